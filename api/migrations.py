"""Migrating running cases to another version of their process (MANAGER or ADMIN for every scope)."""
from __future__ import annotations

from flask import Blueprint

from .migration_schemas import MigrationRequestSchema, MigrationResultSchema
from .operations import engine, operation, username

bp = Blueprint("migrations", __name__)


@bp.post("/api/v1/process-models/<process_id>/migrations")
@operation("迁移进行中的案件到另一版本（MANAGER/ADMIN；dry_run 只检查）", tags=["process-models"],
           body=MigrationRequestSchema, response=MigrationResultSchema, errors=(400, 403, 404, 413, 415, 422),
           description="逐个案件检查能否迁移到 to_version：案件当前停留的任务/等待的事件须在新版本中存在且类型相同，"
                       "没有进行中的异步服务调用，等待中的汇聚网关输入不变，已完成任务在新版本表单中的必填字段案件都有。"
                       "dry_run=true 只列出结果；否则逐个案件（各自一个事务、持有案件锁）迁移能迁移的，记录 migrated "
                       "事件，待办改用新版本的任务名称。冲突或出错的案件不改动，列为未迁移并说明原因。")
def migrate(process_id, body):
    return engine().migrate_cases(process_id, body["to_version"], from_version=body["from_version"],
                                  dry_run=body["dry_run"], case_ids=body["case_ids"], user=username())
