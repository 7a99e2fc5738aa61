"""应急物资调拨 (DOMAIN §2(e) steps 3-5): the candidate list, allocation across warehouses and contract-reserve
suppliers, and re-allocation of a late warehouse's open lines.

Candidate order (step 4; the order is [A], kept in `EmergencyRules.candidate_order`):
  OWN      the requesting district's own warehouse (a 成都市本级 request: the main warehouse);
  BRANCH   other districts' branches, nearest first by travel time from the requesting branch (a known
           direct time, else via the main warehouse), at most `other_branches_max` of those that hold
           something asked for; equal times go to the branch that can cover more of the demand;
  MAIN     the main warehouse;
  PARTNER  metro partner warehouses, nearest first;
  SUPPLIER contract-reserve suppliers (协议储备) of category C09 serving the requesting city.
What a candidate can give = stock − what other open incidents hold (RESERVED lines) − the safety reserve
when the stock is another district's and `protect_reserve` is set (every level below I: DMN table
emergency_level_rules decides). Lines are split across candidates in that order and RESERVED at once, so
a second incident cannot take the same units.

Functions work on the caller's open session and never commit (operators pass `ctx.session`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import RefusalError

from .emergency_tables import LEVELS, EmergencyAllocation, EmergencyContractReserve, EmergencyLine, EmergencyQuota
from .tables import EmergencyItem, EmergencyStock, Region, Supplier, TravelTime, Warehouse

FAR = 10 ** 6


@dataclass(frozen=True)
class EmergencyRules:
    # DOMAIN §2(e) step 4 "local branch, nearest branches, main, metro partners, contract-reserve suppliers" [A]
    candidate_order: tuple[str, ...] = ("OWN", "BRANCH", "MAIN", "PARTNER", "SUPPLIER")
    # How many other districts' branches an allocation draws on before the main warehouse [A]. One keeps a
    # flood in 龙泉驿区 on WH-JY (35 min) and then the city reserve, as DOMAIN S5 expects.
    other_branches_max: int = 1
    # The catalogue column of emergency supplies; contract-reserve suppliers must serve it (DOMAIN §3).
    category: str = "C09"


DEFAULT_EMERGENCY_RULES = EmergencyRules()


def refuse(message: str, error_code: str, /, **details):
    raise RefusalError(message, code=error_code, details=details or None)


# ------------------------------------------------------------------ reading helpers
def region_of(session: Session, region: str) -> Region:
    found = session.get(Region, region) or session.scalar(select(Region).where(Region.name == region))
    if found is None:
        refuse(f"未知的行政区划：{region}", "UNKNOWN_REGION", region=region)
    return found


def item_of(session: Session, code: str) -> EmergencyItem:
    item = session.get(EmergencyItem, code) if isinstance(code, str) else None
    if item is None:
        refuse(f"应急物资目录中没有 {code}", "UNKNOWN_ITEM", code=code)
    return item


def reserved_qty(session: Session, *, warehouse: str | None = None, supplier: str | None = None,
                 item: str, exclude: set[int] = frozenset()) -> int:
    q = select(func.coalesce(func.sum(EmergencyLine.qty), 0)).where(EmergencyLine.state == "RESERVED",
                                                                     EmergencyLine.item_code == item)
    q = q.where(EmergencyLine.warehouse_id == warehouse) if warehouse else q.where(EmergencyLine.supplier_id == supplier)
    if exclude:
        q = q.where(EmergencyLine.id.not_in(exclude))
    return int(session.scalar(q))


def quota_of(session: Session, warehouse: str, item: str, now: datetime) -> int:
    """储备定额 of an item at a warehouse; the first time it is needed it is the listed stock."""
    quota = session.get(EmergencyQuota, (warehouse, item))
    if quota is None:
        stock = session.get(EmergencyStock, (warehouse, item))
        quota = EmergencyQuota(warehouse_id=warehouse, item_code=item, quota=stock.qty if stock else 0, set_at=now)
        session.add(quota)
        session.flush()
    return quota.quota


def _travel(session: Session) -> dict[tuple[str, str], int]:
    pairs: dict[tuple[str, str], int] = {}
    for t in session.scalars(select(TravelTime)):
        pairs[(t.from_wh, t.to_wh)] = pairs[(t.to_wh, t.from_wh)] = t.minutes
    return pairs


class Availability:
    """What each candidate can still give for this allocation (a running tally while lines are made)."""

    def __init__(self, session: Session, region_code: str, protect_reserve: bool, exclude: set[int] = frozenset()):
        self.session, self.region_code, self.protect, self.exclude = session, region_code, protect_reserve, exclude
        self.taken: dict[tuple[str, str, str], int] = {}

    def of(self, cand: dict, item: str) -> int:
        key = (cand["kind"], cand["id"], item)
        if cand["kind"] == "WAREHOUSE":
            stock = self.session.get(EmergencyStock, (cand["id"], item), with_for_update=True)
            if stock is None:
                return 0
            held = reserved_qty(self.session, warehouse=cand["id"], item=item, exclude=self.exclude)
            protected = stock.safety_reserve if self.protect and cand["regionCode"] != self.region_code else 0
            free = stock.qty - held - protected
        else:
            reserve = self.session.get(EmergencyContractReserve, (cand["id"], item))
            if reserve is None:
                return 0
            free = reserve.qty - reserved_qty(self.session, supplier=cand["id"], item=item, exclude=self.exclude)
        return max(free - self.taken.get(key, 0), 0)

    def take(self, cand: dict, item: str, qty: int) -> None:
        key = (cand["kind"], cand["id"], item)
        self.taken[key] = self.taken.get(key, 0) + qty


# ------------------------------------------------------------------ candidates
def candidates(session: Session, region: Region, demand: dict[str, int], protect_reserve: bool,
               rules: EmergencyRules = DEFAULT_EMERGENCY_RULES) -> list[dict]:
    """The ordered candidate list for a demand {item code: qty} of `region` (see the module docstring)."""
    all_wh = list(session.scalars(select(Warehouse).order_by(Warehouse.id)))
    names = {r.code: r.name for r in session.scalars(select(Region))}
    own = [w for w in all_wh if w.region_code == region.code]
    base = own[0] if own else None
    main = next((w for w in all_wh if w.level == "MAIN"), None)
    pairs = _travel(session)

    def minutes(w: Warehouse) -> int:
        """Travel minutes from the requesting district's warehouse (from the main warehouse if it has none)."""
        if base is None:
            return 0 if w.level == "MAIN" else (w.travel_min_to_main or FAR)
        if w is base:
            return 0
        if (base.id, w.id) in pairs:
            return pairs[(base.id, w.id)]
        to_main = 0 if base.level == "MAIN" else (base.travel_min_to_main or FAR)
        return to_main + (0 if w.level == "MAIN" else (w.travel_min_to_main or FAR))

    def entry(w: Warehouse, tier: str) -> dict:
        return {"kind": "WAREHOUSE", "id": w.id, "name": w.name, "tier": tier, "minutes": minutes(w),
                "regionCode": w.region_code, "region": names.get(w.region_code)}

    avail = Availability(session, region.code, protect_reserve)

    def coverage(c: dict) -> int:
        return sum(min(avail.of(c, code), qty) for code, qty in demand.items())

    tiers: dict[str, list[dict]] = {"OWN": [entry(w, "OWN") for w in own]}
    branches = [entry(w, "BRANCH") for w in all_wh if w.level == "BRANCH" and w not in own]
    branches = [c for c in branches if coverage(c) > 0]
    branches.sort(key=lambda c: (c["minutes"], -coverage(c), c["id"]))
    tiers["BRANCH"] = branches[:max(rules.other_branches_max, 0)]
    tiers["MAIN"] = [entry(main, "MAIN")] if main is not None and main not in own else []
    partners = [entry(w, "PARTNER") for w in all_wh if w.level == "PARTNER" and w not in own]
    tiers["PARTNER"] = sorted(partners, key=lambda c: (c["minutes"], c["id"]))
    tiers["SUPPLIER"] = [{"kind": "SUPPLIER", "id": s.id, "name": s.name, "tier": "SUPPLIER", "minutes": None,
                          "regionCode": None, "region": None}
                         for s in session.scalars(select(Supplier).where(Supplier.contract_reserve.is_(True))
                                                  .order_by(Supplier.id))
                         if rules.category in (s.categories or []) and region.city in (s.regions or [])]
    return [c for tier in rules.candidate_order for c in tiers.get(tier, [])]


# ------------------------------------------------------------------ allocation
def _demand(session: Session, demands) -> list[tuple[str, str, int]]:
    """[(site, code, qty)] from [{site, items: [{code, qty}]}]; refuses what cannot be allocated."""
    if not isinstance(demands, list) or not demands:
        refuse("需求不能为空：请至少填写一个需求点及其物资", "INVALID_DEMAND")
    rows = []
    for d in demands:
        site = (d or {}).get("site") if isinstance(d, dict) else None
        items = (d or {}).get("items") if isinstance(d, dict) else None
        if not isinstance(site, str) or not site.strip() or not isinstance(items, list) or not items:
            refuse("每个需求点须有名称和物资清单", "INVALID_DEMAND", demand=d)
        for it in items:
            code, qty = (it.get("code"), it.get("qty")) if isinstance(it, dict) else (None, None)
            item_of(session, code)
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                refuse(f"{code} 的数量必须是正整数", "INVALID_DEMAND", item=it)
            rows.append((site.strip(), code, qty))
    return rows


def allocate(session: Session, *, key: str, case_id: str | None, region: str, level: str, demands,
             protect_reserve: bool, incident: dict | None, now: datetime,
             rules: EmergencyRules = DEFAULT_EMERGENCY_RULES) -> dict:
    """Build the candidate list, split every demand line across it and reserve the stock (one allocation per
    idempotency key). Refuses STOCK_SHORT, with the shortfall per item, when the candidates cannot cover it."""
    existing = session.scalar(select(EmergencyAllocation).where(EmergencyAllocation.idempotency_key == key))
    if existing is not None:
        return allocation_view(session, existing.id)
    if level not in LEVELS:
        refuse(f"响应级别须为 {'/'.join(LEVELS)}", "INVALID_LEVEL", level=level)
    reg = region_of(session, region)
    rows = _demand(session, demands)
    total: dict[str, int] = {}
    for _, code, qty in rows:
        total[code] = total.get(code, 0) + qty
    cands = candidates(session, reg, total, protect_reserve, rules)
    avail = Availability(session, reg.code, protect_reserve)
    plan, short = [], {}
    for site, code, qty in rows:
        remaining = qty
        for cand in cands:
            give = min(avail.of(cand, code), remaining)
            if give > 0:
                avail.take(cand, code, give)
                plan.append((site, code, give, cand))
                remaining -= give
            if remaining == 0:
                break
        if remaining:
            short[code] = short.get(code, 0) + remaining
    if short:
        items = {c: session.get(EmergencyItem, c) for c in short}
        refuse("应急物资库存不足：" + "、".join(f"{items[c].name}缺{q}{items[c].uom}" for c, q in short.items()),
               "STOCK_SHORT", shortfall=[{"code": c, "name": items[c].name, "uom": items[c].uom, "qty": q}
                                         for c, q in short.items()],
               candidates=[c["id"] for c in cands])
    allocation = EmergencyAllocation(idempotency_key=key, case_id=case_id, region_code=reg.code, level=level,
                                     protect_reserve=bool(protect_reserve), incident=dict(incident or {}),
                                     candidates=cands, state="OPEN", created_at=now)
    session.add(allocation)
    session.flush()
    for site, code, qty, cand in plan:
        _add_line(session, allocation, site, code, qty, cand, now, round_no=1)
    session.flush()
    return allocation_view(session, allocation.id)


def _add_line(session, allocation, site, code, qty, cand, now, round_no, parent_id=None) -> EmergencyLine:
    if cand["kind"] == "WAREHOUSE":
        quota_of(session, cand["id"], code, now)
    line = EmergencyLine(allocation_id=allocation.id, site=site, item_code=code, qty=qty, source_kind=cand["kind"],
                         warehouse_id=cand["id"] if cand["kind"] == "WAREHOUSE" else None,
                         supplier_id=cand["id"] if cand["kind"] == "SUPPLIER" else None, tier=cand["tier"],
                         round=round_no, parent_id=parent_id, state="RESERVED", created_at=now)
    session.add(line)
    return line


def open_allocation(session: Session, allocation_id) -> EmergencyAllocation:
    allocation = session.get(EmergencyAllocation, allocation_id) if isinstance(allocation_id, int) else None
    if allocation is None:
        refuse(f"应急调拨单 {allocation_id} 不存在", "UNKNOWN_ALLOCATION", allocationId=allocation_id)
    if allocation.state != "OPEN":
        refuse(f"应急调拨单 {allocation_id} 已结束", "ALLOCATION_CLOSED", allocationId=allocation_id)
    return allocation


def reallocate(session: Session, *, allocation_id: int, line_ids: list[int], now: datetime) -> dict:
    """Move the still RESERVED lines among `line_ids` (one source's batch) to the candidates after that source,
    in the allocation's own order. What no later candidate can give stays with the source in a new line, so
    the source gets a new dispatch task for it. Returns the moved and kept lines and the new batches."""
    allocation = open_allocation(session, allocation_id)
    lines = list(session.scalars(select(EmergencyLine).where(EmergencyLine.allocation_id == allocation.id,
                                                            EmergencyLine.id.in_(line_ids or []),
                                                            EmergencyLine.state == "RESERVED")
                                 .order_by(EmergencyLine.id)))
    if not lines:
        return {"allocationId": allocation.id, "moved": [], "kept": [], "batches": [], "from": None}
    cands = allocation.candidates
    avail = Availability(session, allocation.region_code, allocation.protect_reserve,
                         exclude={line.id for line in lines})
    next_round = 1 + int(session.scalar(select(func.max(EmergencyLine.round))
                                        .where(EmergencyLine.allocation_id == allocation.id)))
    moved, kept, new_lines = [], [], []
    for line in lines:
        source = line.warehouse_id or line.supplier_id
        position = next((i for i, c in enumerate(cands) if c["id"] == source), len(cands) - 1)
        line.state = "REALLOCATED"
        line.closed_at = now
        remaining = line.qty
        for cand in cands[position + 1:]:
            give = min(avail.of(cand, line.item_code), remaining)
            if give > 0:
                avail.take(cand, line.item_code, give)
                new = _add_line(session, allocation, line.site, line.item_code, give, cand, now, next_round, line.id)
                new_lines.append(new)
                moved.append(new)
                remaining -= give
            if remaining == 0:
                break
        if remaining:
            own = next(c for c in cands if c["id"] == source)
            new = _add_line(session, allocation, line.site, line.item_code, remaining, own, now, next_round, line.id)
            new_lines.append(new)
            kept.append(new)
    session.flush()
    return {"allocationId": allocation.id, "from": lines[0].warehouse_id or lines[0].supplier_id,
            "moved": [line_view(session, x) for x in moved], "kept": [line_view(session, x) for x in kept],
            "batches": batches(session, allocation, new_lines)}


# ------------------------------------------------------------------ views
def line_view(session: Session, line: EmergencyLine) -> dict:
    item = session.get(EmergencyItem, line.item_code)
    source = session.get(Warehouse, line.warehouse_id) if line.warehouse_id else (
        session.get(Supplier, line.supplier_id) if line.supplier_id else None)
    iso = (lambda d: d.isoformat() if d else None)
    return {"lineId": line.id, "site": line.site, "code": line.item_code, "name": item.name, "uom": item.uom,
            "reusable": item.reusable, "qty": line.qty, "sourceKind": line.source_kind,
            "source": line.warehouse_id or line.supplier_id, "sourceName": source.name if source else None,
            "tier": line.tier, "round": line.round, "parentId": line.parent_id, "state": line.state,
            "driver": line.driver, "vehicle": line.vehicle, "tracking": line.tracking,
            "departedAt": iso(line.departed_at), "eta": iso(line.eta), "receivedQty": line.received_qty,
            "receivedAt": iso(line.received_at), "recoveredQty": line.recovered_qty,
            "writtenOffQty": line.written_off_qty, "note": line.note}


def batches(session: Session, allocation: EmergencyAllocation, lines: list[EmergencyLine]) -> list[dict]:
    """Lines grouped by source, in candidate order: one dispatch task each. `scope` is whom the task goes to:
    the warehouse's region name (its BRANCH_KEEPER; the main warehouse's region is 成都市本级) or the
    supplier id (SUPPLIER)."""
    order = {c["id"]: i for i, c in enumerate(allocation.candidates)}
    by_source: dict[str, list[EmergencyLine]] = {}
    for line in lines:
        by_source.setdefault(line.warehouse_id or line.supplier_id, []).append(line)
    result = []
    for source in sorted(by_source, key=lambda s: order.get(s, len(order))):
        cand = next((c for c in allocation.candidates if c["id"] == source), None) or {}
        views = [line_view(session, x) for x in by_source[source]]
        result.append({"source": source, "kind": views[0]["sourceKind"], "name": views[0]["sourceName"],
                       "tier": cand.get("tier"), "minutes": cand.get("minutes"),
                       "scope": cand.get("region") if views[0]["sourceKind"] == "WAREHOUSE" else source,
                       "lineIds": [v["lineId"] for v in views], "lines": views,
                       "summary": "、".join(f"{v['name']}{v['qty']}{v['uom']}" for v in views)})
    return result


def allocation_view(session: Session, allocation_id: int) -> dict:
    allocation = session.get(EmergencyAllocation, allocation_id)
    lines = list(session.scalars(select(EmergencyLine).where(EmergencyLine.allocation_id == allocation_id)
                                 .order_by(EmergencyLine.id)))
    reserved = [x for x in lines if x.state == "RESERVED"]
    region = session.get(Region, allocation.region_code)
    return {"allocationId": allocation.id, "region": region.name,
            "level": allocation.level, "protectReserve": allocation.protect_reserve, "state": allocation.state,
            "incident": allocation.incident, "candidates": allocation.candidates,
            "lines": [line_view(session, x) for x in lines], "batches": batches(session, allocation, reserved),
            "totalQty": sum(x.qty for x in reserved)}
