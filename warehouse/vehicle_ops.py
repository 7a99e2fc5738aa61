"""Operators of 公务用车三定点 (official vehicles, DOMAIN §2(d)): designation lots, recognition proposals,
repair requests and the settlement check with its audited exception.

`register(registry, clock, rules)` is called by warehouse.operators.register. Domain logic lives in
vehicle_designations, vehicle_recognitions, vehicle_repairs and vehicle_invoices; the operators add the
notices people get (通知) and the idempotency of each step run.
"""
from __future__ import annotations

from engine.errors import InvalidInputError

from . import notices, service_orders
from . import vehicle_designations as designations
from . import vehicle_invoices as invoices
from . import vehicle_recognitions as recognitions
from . import vehicle_repairs as repairs
from .vehicles import DEFAULT_VEHICLE_RULES, VehicleRules, local_day


def register(registry, clock, rules, vehicle_rules: VehicleRules = DEFAULT_VEHICLE_RULES) -> None:
    """Add this area's operators to `registry`."""

    def session(ctx):
        if ctx.session is None:
            raise InvalidInputError("仓储操作须在案件的事务中执行（ctx.session 为空）")
        return ctx.session

    def tell(ctx, suffix, title, body="", **to):
        return notices.send(session(ctx), key=f"{ctx.idempotency_key}:{suffix}", title=title, body=body,
                            now=clock.now(), case_id=ctx.case_id, task=ctx.element_id, **to)

    # ------------------------------------------------------------------ part 1: designation
    def define_designation_lots(ctx, city, lots):
        made = designations.define_lots(session(ctx), city=city, lots=lots, now=clock.now(), case_id=ctx.case_id,
                                        key=ctx.idempotency_key)
        return {"city": made[0]["city"], "lots": made, "lotIds": [lot["lotId"] for lot in made]}

    def record_designation_awards(ctx, city, lot_ids, awards):
        recorded = designations.record_awards(session(ctx), city=city, lot_ids=lot_ids, awards=awards,
                                              now=clock.now(), case_id=ctx.case_id)
        return {"awards": recorded, "count": len(recorded)}

    def publish_designated_list(ctx, city, lot_ids):
        result = designations.publish(session(ctx), city=city, lot_ids=lot_ids, now=clock.now())
        new = [a for a in result["published"] if a["awardId"] in result["newAwardIds"]]
        if new:
            names = "、".join(f"{a['supplierName']}（{a['serviceName']}）" for a in new)
            tell(ctx, "fleet", f"{result['city']}公务用车三定点名录已发布", f"新入选：{names}", role="FLEET_MANAGER")
        for award in new:
            tell(ctx, f"supplier:{award['supplierId']}", f"贵单位已入选{result['city']}公务用车定点名录",
                 f"合同 {award['contractNo']}，服务期 {award['termStart']} 至 {award['termEnd']}。"
                 "请按合同向公务用车管理平台报送服务记录。", role="SUPPLIER", scope=award["supplierId"])
        return result

    # ------------------------------------------------------------------ part 2: mutual recognition
    def propose_recognition(ctx, from_city, partner_cities, items, agreement_end, agreement=""):
        result = recognitions.propose(session(ctx), from_city=from_city, partner_cities=partner_cities, items=items,
                                      agreement_end=agreement_end, agreement=agreement, now=clock.now(),
                                      case_id=ctx.case_id, key=ctx.idempotency_key, rules=vehicle_rules)
        for city in sorted({i["toCity"] for i in result["items"]}):
            mine = [i for i in result["items"] if i["toCity"] == city]
            tell(ctx, f"review:{city}", f"{result['fromCity']}提议互认 {len(mine)} 家定点供应商",
                 f"{'、'.join(i['supplierName'] for i in mine)}；请于 {result['reviewDeadline'][:10]} 前逐家审核。",
                 role="VEHICLE_AUTHORITY", scope=city)
        return result

    def decide_recognition(ctx, item_id, decision, reason=None):
        return recognitions.decide(session(ctx), item_id=item_id, decision=decision, reason=reason, now=clock.now())

    def remind_recognition_review(ctx, proposal_id):
        pending = recognitions.pending_by_city(session(ctx), proposal_id)
        for city, items in sorted(pending.items()):
            tell(ctx, f"remind:{city}", f"互认审核已超期：{len(items)} 家供应商待审核",
                 f"{'、'.join(i['supplierName'] for i in items)}（来自{items[0]['fromCity']}）。提议保持待审，不会自动通过。",
                 kind="REMINDER", role="VEHICLE_AUTHORITY", scope=city)
        if pending:
            origin = next(iter(pending.values()))[0]["fromCity"]
            tell(ctx, "origin", "互认提议审核超期", f"{'、'.join(sorted(pending))} 尚未审核完毕，已发提醒。",
                 kind="ALERT", role="VEHICLE_AUTHORITY", scope=origin)
        return {"remindedCities": sorted(pending), "pending": sum(len(v) for v in pending.values())}

    def close_recognition_proposal(ctx, proposal_id):
        result = recognitions.close(session(ctx), proposal_id=proposal_id, now=clock.now(), rules=vehicle_rules)
        tell(ctx, "origin", "互认审核结果", f"接受 {len(result['accepted'])} 项，不接受 {len(result['rejected'])} 项。",
             role="VEHICLE_AUTHORITY", scope=result["fromCity"])
        return result

    def lapse_recognitions(ctx, proposal_id):
        result = recognitions.lapse_due(session(ctx), proposal_id=proposal_id, now=clock.now(), rules=vehicle_rules)
        for item in result["lapsed"]:
            tell(ctx, f"lapse:{item['itemId']}", f"互认到期失效：{item['supplierName']}",
                 f"{item['fromCity']}定点合同或互认协议于 {item['validUntil']} 到期，{item['toCity']}的互认随之失效。",
                 role="VEHICLE_AUTHORITY", scope=item["toCity"])
        return result

    # ------------------------------------------------------------------ part 3: repair
    def open_vehicle_repair(ctx, vehicle, mileage, fault, location, kind="ROUTINE"):
        return repairs.open_repair(session(ctx), vehicle=vehicle, mileage=mileage, fault=fault, location=location,
                                   kind=kind, now=clock.now(), case_id=ctx.case_id, key=ctx.idempotency_key)

    def list_repair_shops(ctx, vehicle, location=None):
        items = repairs.shops(session(ctx), vehicle=vehicle, location=location, on_date=local_day(clock.now()))
        return {"items": items, "eligible": [s["supplierId"] for s in items if s["eligible"]]}

    def record_repair_quotes(ctx, repair_id, quotes, chosen_supplier):
        return repairs.record_quotes(session(ctx), repair_id=repair_id, quotes=quotes, chosen=chosen_supplier,
                                     now=clock.now())

    def check_repair_quotes(ctx, repair_id, tier, min_quotes):
        return repairs.check_quotes(session(ctx), repair_id=repair_id, tier=tier, min_quotes=min_quotes)

    def decide_vehicle_repair(ctx, repair_id, approved, order_id=None, comment=None):
        result = repairs.decide(session(ctx), repair_id=repair_id, approved=bool(approved), order_id=order_id)
        if not approved:
            tell(ctx, "rejected", f"送修单未获批准：{result['plate']}", comment or "", role="FLEET_MANAGER",
                 scope=result["unit"])
        return result

    def record_repair_result(ctx, repair_id, actual_amount, service_date, work_items=None, replaced_parts=None):
        s = session(ctx)
        result = repairs.record_result(s, repair_id=repair_id, actual_amount=actual_amount, service_date=service_date,
                                       work_items=work_items, replaced_parts=replaced_parts, now=clock.now())
        if result["serviceOrderId"] is not None:
            for status in ("ACCEPTED", "DELIVERED"):
                service_orders.update(s, order_id=result["serviceOrderId"], status=status, now=clock.now(),
                                      amount=result["actualAmount"] if status == "DELIVERED" else None)
        return result

    # ------------------------------------------------------------------ part 3: settlement check
    def check_vehicle_invoice(ctx, vehicle, amount, service_date, supplier=None, supplier_name=None, description="",
                              location=None, repair_id=None, service="REPAIR"):
        result = invoices.check_invoice(session(ctx), vehicle=vehicle, amount=amount, service_date=service_date,
                                        supplier=supplier, supplier_name=supplier_name, description=description,
                                        location=location, repair_id=repair_id, service=service, now=clock.now(),
                                        case_id=ctx.case_id, key=ctx.idempotency_key)
        if not result["designated"]:
            tell(ctx, "refused", f"报销被拒（非定点）：{result['plate']} {result['amount']:,.2f} 元",
                 f"{result['reason']}。如属异地紧急维修，可由单位负责人登记例外并说明理由。", kind="ALERT",
                 role="FLEET_MANAGER", scope=result["unit"])
        return result

    def file_designation_exception(ctx, invoice_id, reason):
        s = session(ctx)
        inv = invoices.invoice_dict(s, invoices._invoice(s, invoice_id))
        row = invoices.file_exception(s, invoice_id=invoice_id, reason=reason, approved_by=f"UNIT_HEAD@{inv['unit']}",
                                      now=clock.now(), case_id=ctx.case_id)
        if inv["exception"] is None:        # newly filed: the auditors hear of it once
            tell(ctx, "audit", f"异地紧急维修例外备案：{inv['unitName']} {inv['plate']}",
                 f"非定点票据 {inv['supplierName']} {inv['amount']:,.2f} 元（{inv['serviceDate']}，{inv['location']}）"
                 f"经单位负责人批准例外报销。理由：{row['reason']}", kind="ALERT", role="AUDITOR")
        return row

    def settle_vehicle_invoice(ctx, invoice_id):
        s = session(ctx)
        result = invoices.settle(s, invoice_id=invoice_id, now=clock.now())
        if result["repairId"] is not None:
            repair = repairs.repair_dict(s, repairs._repair(s, result["repairId"]))
            if repair["serviceOrderId"] is not None:
                result["serviceOrder"] = service_orders.update(s, order_id=repair["serviceOrderId"], status="SETTLED",
                                                               now=clock.now(), amount=result["amount"])
        return result

    def refuse_vehicle_invoice(ctx, invoice_id, comment=None):
        result = invoices.refuse(session(ctx), invoice_id=invoice_id, now=clock.now())
        tell(ctx, "refused", f"不予报销：{result['plate']} {result['supplierName']} {result['amount']:,.2f} 元",
             comment or result["reason"], role="FLEET_MANAGER", scope=result["unit"])
        return result

    for fn, description in [
        (define_designation_lots, "定义三定点采购包（服务类型、区域、服务期）"),
        (record_designation_awards, "登记中标供应商、网点、合同与价格条款"),
        (publish_designated_list, "发布定点名录（写入定点供应商）"),
        (propose_recognition, "向协作城市提议互认定点供应商"),
        (decide_recognition, "登记协作城市对一家供应商的互认决定"),
        (remind_recognition_review, "互认审核超期提醒（不自动通过）"),
        (close_recognition_proposal, "汇总互认审核结果"),
        (lapse_recognitions, "互认到期失效"),
        (open_vehicle_repair, "登记送修单"),
        (list_repair_shops, "列出车辆可用的定点及互认维修厂"),
        (record_repair_quotes, "登记维修报价并选定维修厂"),
        (check_repair_quotes, "按审批层级核验定点报价家数"),
        (decide_vehicle_repair, "登记送修审批结果"),
        (record_repair_result, "登记实际维修项目与金额"),
        (check_vehicle_invoice, "结算核验：是否定点或互认（NON_DESIGNATED 不予报销）"),
        (file_designation_exception, "登记异地紧急维修例外并报审计备查"),
        (settle_vehicle_invoice, "结算报销"),
        (refuse_vehicle_invoice, "不予报销"),
    ]:
        registry.register(fn.__name__, fn, description=description)
