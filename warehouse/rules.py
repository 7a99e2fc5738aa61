"""Rule parameters of DOMAIN.md "Shared rule parameters" used by the warehouse domain.

Every value is a demo default ([A] unless noted in DOMAIN.md) that an administrator must be able to change:
build `WarehouseRules(reservation_hold_hours=24, ...)` and pass it where a function takes `rules=`.
Nothing in warehouse/ hard-codes these numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class WarehouseRules:
    # fixedAssetThreshold (元) [K]: below it an item is 低值易耗品 (low value), not a fixed asset.
    fixed_asset_threshold_general: Decimal = Decimal("1000")
    fixed_asset_threshold_special: Decimal = Decimal("1500")
    # reservation.hold: a reservation (预留) is held this long before it may be released.
    reservation_hold_hours: int = 48
    # reservation.pickupDeadlineAfterApproval (working days); read by the process timers.
    pickup_deadline_working_days: int = 5
    # emergencyStock: safety reserve = this share of the listed stock per item and warehouse.
    emergency_safety_reserve_ratio: Decimal = Decimal("0.5")
    # Catalogue ranking, DOMAIN §2(b) step 1 [A]: own warehouse, main, other branches, partners.
    catalogue_tier_order: tuple[str, ...] = field(default=("OWN", "MAIN", "BRANCH", "PARTNER"))


DEFAULT_RULES = WarehouseRules()
