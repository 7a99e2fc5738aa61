"""三定点 part 2, mutual recognition (一地采购、区域共享, DOMAIN §2(d) steps 4-6, mechanics [A]).

City A proposes a package of its designated suppliers to partner cities; each partner's vehicle authority
accepts or rejects every supplier on its own. An accepted supplier becomes a `wh_recognitions` row
(recognizedFrom A, at A's contract prices) valid until min(A's contract end, agreement end), when it lapses.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import RefusalError

from .suppliers import SERVICE_NAMES
from .tables import SERVICES, Designation, Recognition, Supplier
from .vehicle_designations import _city, designated_list
from .vehicle_tables import DesignationAward, RecognitionItem, RecognitionProposal
from .vehicles import (DEFAULT_VEHICLE_RULES, VehicleRules, date_of, iso, local_day, location_city,
                       start_of_day_after, working_deadline)


def _item_dict(session: Session, item: RecognitionItem) -> dict:
    supplier = session.get(Supplier, item.supplier_id)
    designation = session.get(Designation, item.designation_id)
    award = session.scalar(select(DesignationAward).where(DesignationAward.designation_id == designation.id))
    return {"itemId": item.id, "toCity": item.to_city, "fromCity": designation.designated_by,
            "supplierId": supplier.id, "supplierName": supplier.name, "service": item.service,
            "serviceName": SERVICE_NAMES[item.service], "outlets": list(item.outlets),
            "contractEnd": iso(designation.term_end), "validUntil": iso(item.valid_until),
            "contractNo": award.contract_no if award else None,
            "priceTerms": dict(award.price_terms) if award else {"text": supplier.price_terms},
            "status": item.status, "reason": item.reason}


def propose(session: Session, *, from_city: str, partner_cities: list[str], items: list[dict], agreement_end,
            now: datetime, agreement: str = "", case_id: str | None = None, key: str | None = None,
            rules: VehicleRules = DEFAULT_VEHICLE_RULES) -> dict:
    """One proposal, one item per (partner city, supplier). Pairs the partner already recognises at least as
    long are skipped and listed; nothing left to propose is refused (NOTHING_TO_PROPOSE)."""
    if key:
        done = session.scalar(select(RecognitionProposal).where(RecognitionProposal.idempotency_key == key))
        if done is not None:
            return proposal_dict(session, done)
    origin = _city(session, from_city)
    today = local_day(now)
    ends = date_of(agreement_end, "互认协议到期日")
    if ends < today:
        raise RefusalError(f"互认协议已于 {ends} 到期", code="AGREEMENT_EXPIRED", details={"agreementEnd": iso(ends)})
    partners = []
    for city in partner_cities or []:
        name = _city(session, city)
        if name == origin:
            raise RefusalError(f"不能向本市（{origin}）提议互认", code="CITY_INVALID", details={"city": city})
        if name not in partners:
            partners.append(name)
    if not partners or not items:
        raise RefusalError("互认提议须至少包含一个协作城市和一家供应商", code="NOTHING_TO_PROPOSE")
    proposal = RecognitionProposal(case_id=case_id, idempotency_key=key, from_city=origin, agreement=agreement or "",
                                   agreement_end=ends, proposed_at=now, status="PENDING",
                                   review_deadline=working_deadline(now, rules.recognition_review_working_days))
    session.add(proposal)
    session.flush()
    skipped = []
    for spec in items:
        designation = _active_designation(session, origin, spec, today)
        valid_until = min(designation.term_end, ends)
        for city in partners:
            held = session.scalar(select(Recognition).where(Recognition.designation_id == designation.id,
                                                            Recognition.recognized_by == city))
            if held is not None and held.valid_until >= valid_until:
                skipped.append({"toCity": city, "supplierId": designation.supplier_id, "service": designation.service,
                                "reason": f"{city}已互认，有效期至 {held.valid_until}"})
                continue
            outlets = [o for o in (spec.get("outlets") or designation.outlets) if location_city(session, o) == city]
            session.add(RecognitionItem(proposal_id=proposal.id, designation_id=designation.id,
                                        supplier_id=designation.supplier_id, to_city=city, service=designation.service,
                                        outlets=outlets, valid_until=valid_until, status="PROPOSED"))
    session.flush()
    result = proposal_dict(session, proposal)
    if not result["items"]:
        raise RefusalError("所提议的供应商均已被协作城市互认，无需再提议", code="NOTHING_TO_PROPOSE",
                           details={"skipped": skipped})
    result["skipped"] = skipped
    return result


def _active_designation(session: Session, city: str, spec: dict, today) -> Designation:
    supplier_id = (spec.get("supplier") or "").strip()
    service = (spec.get("service") or "").upper()
    if service not in SERVICES:
        raise RefusalError(f"服务类型应为 {'/'.join(SERVICES)}：{spec.get('service')}", code="SERVICE_INVALID")
    found = session.scalar(select(Designation).where(
        Designation.supplier_id == supplier_id, Designation.service == service, Designation.designated_by == city,
        Designation.term_start <= today, Designation.term_end >= today).order_by(Designation.term_end.desc()))
    if found is None:
        raise RefusalError(f"{supplier_id} 当前不是{city}的{SERVICE_NAMES[service]}供应商，不能提议互认",
                           code="NOT_DESIGNATED", details={"supplier": supplier_id, "service": service})
    return found


def proposal_dict(session: Session, proposal: RecognitionProposal) -> dict:
    items = list(session.scalars(select(RecognitionItem).where(RecognitionItem.proposal_id == proposal.id)
                                 .order_by(RecognitionItem.id)))
    rows = [_item_dict(session, item) for item in items]
    for row in rows:    # what the partner designated itself for the same service, to compare prices with
        row["partnerTerms"] = [{"supplierId": e["supplierId"], "supplierName": e["supplierName"],
                                "priceTerms": e["priceTerms"]}
                               for e in designated_list(session, row["toCity"], local_day(proposal.proposed_at))
                               if e["service"] == row["service"] and e["recognizedFrom"] is None]
    return {"proposalId": proposal.id, "fromCity": proposal.from_city, "agreement": proposal.agreement,
            "agreementEnd": iso(proposal.agreement_end), "reviewDeadline": iso(proposal.review_deadline),
            "status": proposal.status, "items": rows}


def decide(session: Session, *, item_id: int, decision: str, reason: str | None, now: datetime) -> dict:
    """The partner city's decision on one supplier. ACCEPT writes (or extends) its recognition."""
    item = session.get(RecognitionItem, int(item_id))
    if item is None:
        raise RefusalError(f"互认事项 {item_id} 不存在", code="ITEM_UNKNOWN")
    status = {"ACCEPT": "ACCEPTED", "REJECT": "REJECTED"}.get((decision or "").upper())
    if status is None:
        raise RefusalError(f"审核结论应为 ACCEPT 或 REJECT：{decision}", code="DECISION_INVALID")
    if item.status != "PROPOSED":
        if item.status == status:
            return _item_dict(session, item)
        raise RefusalError(f"该互认事项已处理（{item.status}）", code="ALREADY_DECIDED")
    if status == "REJECTED" and not (reason or "").strip():
        raise RefusalError("不同意互认须说明理由", code="REASON_REQUIRED")
    if status == "ACCEPTED":
        designation = session.get(Designation, item.designation_id)
        held = session.scalar(select(Recognition).where(Recognition.designation_id == item.designation_id,
                                                        Recognition.recognized_by == item.to_city))
        if held is None:
            held = Recognition(supplier_id=item.supplier_id, designation_id=item.designation_id,
                               recognized_by=item.to_city, from_city=designation.designated_by,
                               valid_until=item.valid_until)
            session.add(held)
            session.flush()
        else:
            held.valid_until = max(held.valid_until, item.valid_until)
        item.recognition_id = held.id
    item.status, item.reason, item.decided_at = status, (reason or "").strip(), now
    session.flush()
    return _item_dict(session, item)


def pending_by_city(session: Session, proposal_id: int) -> dict[str, list[dict]]:
    """Items still waiting for a decision, per partner city (for the reminder)."""
    result: dict[str, list[dict]] = {}
    for item in session.scalars(select(RecognitionItem).where(RecognitionItem.proposal_id == int(proposal_id),
                                                              RecognitionItem.status == "PROPOSED")
                                .order_by(RecognitionItem.id)):
        result.setdefault(item.to_city, []).append(_item_dict(session, item))
    return result


def close(session: Session, *, proposal_id: int, now: datetime, rules: VehicleRules = DEFAULT_VEHICLE_RULES) -> dict:
    """Every partner has decided: the summary, and when the first accepted recognition lapses."""
    proposal = session.get(RecognitionProposal, int(proposal_id))
    proposal.status = "DECIDED"
    return _schedule(session, proposal, rules)


def lapse_due(session: Session, *, proposal_id: int, now: datetime,
              rules: VehicleRules = DEFAULT_VEHICLE_RULES) -> dict:
    """Lapse the accepted recognitions whose validity has ended by `now`; say when the next one lapses."""
    proposal = session.get(RecognitionProposal, int(proposal_id))
    lapsed = []
    for item in session.scalars(select(RecognitionItem).where(RecognitionItem.proposal_id == proposal.id,
                                                              RecognitionItem.status == "ACCEPTED")
                                .order_by(RecognitionItem.id)):
        if start_of_day_after(item.valid_until, rules) <= now:
            item.status, item.lapsed_at = "LAPSED", now
            recognition = session.get(Recognition, item.recognition_id) if item.recognition_id else None
            if recognition is not None and recognition.valid_until > item.valid_until \
                    and not _extended_elsewhere(session, item):
                recognition.valid_until = item.valid_until
            lapsed.append(_item_dict(session, item))
    session.flush()
    result = _schedule(session, proposal, rules)
    if result["nextLapseAt"] is None:
        proposal.status = "CLOSED"
        result["status"] = "CLOSED"
    result["lapsed"] = lapsed
    return result


def _extended_elsewhere(session: Session, item: RecognitionItem) -> bool:
    """Another proposal's accepted item keeps the same recognition alive longer."""
    return session.scalar(select(RecognitionItem.id).where(
        RecognitionItem.recognition_id == item.recognition_id, RecognitionItem.id != item.id,
        RecognitionItem.status == "ACCEPTED", RecognitionItem.valid_until > item.valid_until)) is not None


def _schedule(session: Session, proposal: RecognitionProposal, rules: VehicleRules) -> dict:
    items = [_item_dict(session, item) for item in session.scalars(
        select(RecognitionItem).where(RecognitionItem.proposal_id == proposal.id).order_by(RecognitionItem.id))]
    active = [row for row in items if row["status"] == "ACCEPTED"]
    ends = sorted(row["validUntil"] for row in active)
    next_at = start_of_day_after(date_of(ends[0], "有效期"), rules).isoformat() if ends else None
    return {"proposalId": proposal.id, "fromCity": proposal.from_city, "status": proposal.status,
            "accepted": [r for r in items if r["status"] in ("ACCEPTED", "LAPSED")],
            "rejected": [r for r in items if r["status"] == "REJECTED"],
            "active": len(active), "nextLapseAt": next_at}
