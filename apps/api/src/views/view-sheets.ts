import {
  BATCH_FIGURES, BATCH_STATUS_NAMES, CHANNEL_NAMES, DISPOSAL_NAMES, figureHeader, INSTALLMENT_NAMES, ISSUER_LEVEL_NAMES, MILESTONE_NAMES, nameOf, PAYEE_TYPE_NAMES,
  MIGRATED_NAMES, PAYMENT_STATUS_NAMES, PROJECT_FIGURES, PROJECT_TYPE_NAMES, REGION_FIGURES, SOURCE_NAMES, type FigureName,
} from '@yuantrace/domain';
import type { HouseholdView, PaymentTrace, batchFlow, batchView, disclosure, paymentView, projectView, unitSummary } from '@yuantrace/read-models';
import { fields, type Sheet, type View } from './export';

/**
 * Each view as the tables a spreadsheet shows: the same figures as the JSON (the glossary's
 * names beside the Chinese ones), codes turned into their Chinese names. One function per view.
 */
type Row = Record<string, unknown>;

const money = (name: FigureName) => `${figureHeader(name)}(元)`;
const figures = (v: Row, names: readonly FigureName[]): Array<[string, unknown]> => names.map((n) => [money(n), v[n]]);


export function batchSheets(v: View<typeof batchView>): Sheet[] {
  const life = v as unknown as Row;
  return [
    fields('批次', [['批次编号', v.batchId], ['文号', v.documentNo], ['标题', v.title], ['资金来源', nameOf(SOURCE_NAMES, v.source)],
      ['下达层级', nameOf(ISSUER_LEVEL_NAMES, v.issuerLevel)], ['接收单位', v.recipientUnitCode], ['年度', v.fiscalYear], ['用途', v.purpose],
      ['下达日期', v.effectiveDate], ['源头批次', v.rootBatchId], ['源头文号', v.rootDocumentNo],
      ['状态', nameOf(BATCH_STATUS_NAMES, v.status)], ['关闭日期', life.closedOn], ['结余处理', life.disposal ? nameOf(DISPOSAL_NAMES, life.disposal) : ''],
      ['结转至', life.carriedOverTo], ['撤销日期', life.voidedOn], ['更正批次', life.replacedBy], ['所更正的批次', v.replaces.join('、')], ['金额(元)', v.amount], ...figures(v as unknown as Row, BATCH_FIGURES)]),
    { name: '分配明细', headers: ['分配编号', '文号', '日期', '金额(元)', '去向', '子批次/项目', '接收单位', money('returned'), money('held'), money('paid'), money('available')],
      rows: v.allocations.map((a) => {
        const x = a as Row & { target: Row };
        return [a.allocationId, a.documentNo, a.effectiveDate, a.amount, x.target.type === 'batch' ? (x.target.status === 'voided' ? '下拨下级（已撤销）' : '下拨下级') : '安排项目',
          x.target.type === 'batch' ? x.target.batchId : x.target.projectId, x.target.recipientUnitCode ?? '', x.returned ?? '', x.held ?? '', x.paid ?? '', x.available ?? ''];
      }) },
    { name: '下级批次', headers: ['批次编号', '接收单位', '金额(元)', '状态'], rows: v.children.map((c) => [c.batchId, c.recipientUnitCode, c.amount, nameOf(BATCH_STATUS_NAMES, c.status)]) },
  ];
}

/** The flow tree, one row per node, indented by depth: batches, projects and the payees each project paid. */
export function flowSheets(flow: View<typeof batchFlow>): Sheet[] {
  const rows: unknown[][] = [];
  const walk = (n: Row, depth: number) => {
    if (n.type === 'project') {
      rows.push([depth, '项目', n.projectId, n.documentNo, '', '', ...PROJECT_FIGURES.map((f) => n[f] ?? '')]);
      for (const p of (n.payees as Row[]) ?? []) rows.push([depth + 1, nameOf(PAYEE_TYPE_NAMES, p.type), `${p.id} ${p.name}`, '', '', '', '', '', '', p.paid, '']);
      return;
    }
    rows.push([depth, '批次', n.batchId, n.documentNo, n.recipientUnitCode, nameOf(BATCH_STATUS_NAMES, n.status ?? 'open'), n.received ?? '', n.returned ?? '',
      n.held ?? '', n.paid ?? '', n.balance ?? '']);
    for (const c of (n.children as Row[]) ?? []) walk(c, depth + 1);
  };
  walk(flow as Row, 0);
  return [{ name: '资金流向', headers: ['层级', '类型', '编号/收款人', '文号', '单位', '状态', '收到下达或安排(元)', money('returned'), money('held'), money('paid'), money('balance')], rows }];
}

export function projectSheets(v: View<typeof projectView>): Sheet[] {
  return [
    fields('项目', [['项目编号', v.projectId], ['名称', v.name], ['类型', nameOf(PROJECT_TYPE_NAMES, v.type)], ['所在单位', v.unitCode], ['实施单位', v.implementer],
      ['预算(元)', v.budget], ['计划开工', v.plannedStart], ['计划完工', v.plannedEnd], ['阶段', nameOf(MILESTONE_NAMES, v.stage)], ['完成进度(%)', v.percentComplete],
      ['验收结果', v.acceptance === 'passed' ? '合格' : v.acceptance === 'failed' ? '不合格' : ''], ...figures(v as unknown as Row, PROJECT_FIGURES)]),
    { name: '资金来源', headers: ['分配编号', '批次', '源头批次', '资金来源', '年度', ...PROJECT_FIGURES.map(money)],
      rows: v.funding.map((f) => [f.allocationId, f.batchId, f.rootBatchId, nameOf(SOURCE_NAMES, f.source), f.fiscalYear, ...PROJECT_FIGURES.map((n) => (f as Row)[n])]) },
    { name: '里程碑', headers: ['编号', '环节', '日期', '进度(%)', '结果', '公示截止', '文号', '说明', '记录时间'],
      rows: v.milestones.map((m) => [m.milestoneId, nameOf(MILESTONE_NAMES, m.kind), m.date, m.percentComplete ?? '', m.result ?? '', m.publicUntil ?? '', m.documentNo ?? '',
        m.note ?? '', m.recordedAt]) },
    { name: '支付', headers: ['支付编号', '状态', '款项性质', '金额(元)', '申请日期', '支付日期', '收款人类型', '收款人', '账号', '记录来源'],
      rows: v.payments.map((p) => [p.paymentId, nameOf(PAYMENT_STATUS_NAMES, p.status), nameOf(INSTALLMENT_NAMES, p.installment), p.amount, p.effectiveDate,
        p.paidOn ?? '', nameOf(PAYEE_TYPE_NAMES, p.payee.type), p.payee.name, p.payee.account, nameOf(MIGRATED_NAMES, p.migrated)]) },
  ];
}

export function paymentSheets(v: View<typeof paymentView>): Sheet[] {
  return [
    fields('支付', [['支付编号', v.paymentId], ['状态', nameOf(PAYMENT_STATUS_NAMES, v.status)], ['项目', v.projectId], ['分配', v.allocationId], ['批次', v.batchId],
      ['单位', v.unitCode], ['收款人类型', nameOf(PAYEE_TYPE_NAMES, v.payee.type)], ['收款人编号', v.payee.id], ['收款人', v.payee.name], ['账号', v.payee.account],
      ['金额(元)', v.amount], ['用途', v.purpose], ['款项性质', nameOf(INSTALLMENT_NAMES, v.installment)], ['申请人', v.requestedBy], ['报账日期', v.effectiveDate],
      ['支付渠道', v.channel ? nameOf(CHANNEL_NAMES, v.channel) : ''], ['银行流水号', v.bankReference], ['替代的支付', v.replaces], ['被替代为', v.replacedBy],
      ['记录来源', nameOf(MIGRATED_NAMES, v.migrated)]]),
    { name: '状态历史', headers: ['状态', '操作人', '业务日期', '记录时间', '说明'],
      rows: v.history.map((h) => {
        const { status, by, effectiveDate, recordedAt, ...rest } = h as Row;
        return [nameOf(PAYMENT_STATUS_NAMES, status), by, effectiveDate, recordedAt, Object.entries(rest).map(([k, x]) => `${k}: ${x}`).join('; ')];
      }) },
  ];
}

export function traceSheets(v: PaymentTrace): Sheet[] {
  return [{ name: '资金上溯', headers: ['环节', '批次', '文号', '下达层级', '接收单位', '资金来源', '年度', '金额(元)', '日期'],
    rows: [
      [v.payment.migrated ? `支付（${MIGRATED_NAMES.true}）` : '支付', v.payment.paymentId, '', '', '', '', '', v.payment.amount, v.payment.effectiveDate],
      ...(v.allocation ? [['项目安排', v.allocation.batchId, v.allocation.documentNo, '', '', '', '', v.allocation.amount, v.allocation.effectiveDate]] : []),
      ...v.chain.map((h) => [h.hop === 'appropriation' ? '源头拨款' : '下拨', h.batchId, h.documentNo, nameOf(ISSUER_LEVEL_NAMES, h.issuerLevel), h.recipientUnitCode,
        nameOf(SOURCE_NAMES, h.source), h.fiscalYear, h.amount, h.effectiveDate]),
    ] }];
}

export function summarySheets(s: View<typeof unitSummary>): Sheet[] {
  const rows: unknown[][] = [];
  for (const u of [s, ...s.subUnits] as Array<Row & { bySourceAndYear: Row[] }>) {
    for (const r of u.bySourceAndYear) rows.push([u.code, u.name, nameOf(SOURCE_NAMES, r.source), r.fiscalYear, ...REGION_FIGURES.map((f) => r[f]), '']);
    rows.push([u.code, u.name, '合计', '', ...REGION_FIGURES.map((f) => u[f]), u.householdsReached]);
  }
  return [{ name: '区域汇总', headers: ['单位代码', '单位名称', '资金来源', '年度', ...REGION_FIGURES.map(money), '覆盖农户(户)'], rows }];
}

export function householdSheets(v: HouseholdView, members: Array<{ name: string; relation: string; idNumber: string }>): Sheet[] {
  const head = members.find((m) => m.relation === 'head');
  return [
    { name: '到户资金明细', headers: ['户编号', '户主', '身份证号', '支付编号', '类别', '金额(元)', '日期', '项目', '项目类型', '资金来源', '年度', '源头批次', '源头文号'],
      rows: v.receipts.map((r) => [v.householdId, head?.name, head?.idNumber, r.paymentId, r.kind === 'paid' ? '支付' : '红冲', r.amount, r.effectiveDate, r.projectName,
        nameOf(PROJECT_TYPE_NAMES, r.projectType), nameOf(SOURCE_NAMES, r.source), r.fiscalYear, r.origin.rootBatchId, r.origin.rootDocumentNo]) },
    { name: '家庭成员', headers: ['姓名', '与户主关系', '身份证号'], rows: members.map((m) => [m.name, m.relation, m.idNumber]) },
    { name: '状态历史', headers: ['状态', '日期', '原因', '文号'],
      rows: (v.history as Row[]).map((h) => [h.status, h.date ?? h.effectiveDate ?? '', h.reason ?? '', h.documentNo ?? '']) },
  ];
}

export function disclosureSheets(d: View<typeof disclosure>): Sheet[] {
  return [
    { name: '项目公示', headers: ['项目编号', '名称', '类型', '实施单位', '预算(元)', ...PROJECT_FIGURES.map(money)],
      rows: d.projects.map((p) => [p.projectId, p.name, nameOf(PROJECT_TYPE_NAMES, p.type), p.implementer, p.budget, ...PROJECT_FIGURES.map((f) => p[f])]) },
    { name: '支付公示', headers: ['项目编号', '支付编号', '金额(元)', '支付日期', '申请日期', '收款人', '账号'],
      rows: d.projects.flatMap((p) => p.payments.map((x) => [p.projectId, x.paymentId, x.amount, x.paidOn ?? '', x.effectiveDate, x.payee.name, x.payee.account])) },
    { name: '到户公示', headers: ['户编号', '户主', '累计收到(元)'], rows: d.households.map((h) => [h.householdId, h.head ?? '', h.received]) },
  ];
}

/** The audit log page: one row per event, its data as JSON. */
export function eventSheets(events: Array<Row>): Sheet[] {
  return [{ name: '审计日志', headers: ['位置', '流', '版本', '事件类型', '记录时间', '操作人', '角色', '业务日期', '数据'],
    rows: events.map((e) => {
      const actor = ((e.metadata as Row | undefined)?.actor ?? {}) as Row;
      const data = (e.data ?? {}) as Row;
      return [e.position, e.stream ?? e.streamId, e.revision, e.type, e.recordedAt, actor.principalId ?? '', actor.role ?? '', data.effectiveDate ?? data.date ?? '',
        JSON.stringify(data)];
    }) }];
}
