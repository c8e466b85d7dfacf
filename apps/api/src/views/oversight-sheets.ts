import {
  ACCOUNTABILITY_MEASURE_NAMES, ALERT_STATUS_NAMES, ALERT_SUBJECT_NAMES, CASE_SOURCE_NAMES, CASE_STATUS_NAMES, FINDING_TYPE_NAMES, nameOf, RECTIFICATION_KIND_NAMES,
  RED_FLAG_RULES, RELATION_NAMES, SEVERITY_NAMES, type PaymentRuleSet, type RedFlagRuleId, type RuleSetVersion,
} from '@yuantrace/domain';
import type { AlertView, caseList, caseView } from '@yuantrace/read-models';
import { fields, sheet, type Sheet, type View } from './export';

/**
 * The inspector's desk as spreadsheets: alerts, the rule sets they are judged by, the roster,
 * and cases with their findings, rectifications and timeline. As the ledger's views: the same
 * fields as the JSON, Chinese headers, codes shown by their Chinese names. One function per view.
 */
const yesNo = (v: unknown) => (v ? '是' : '否');
const list = (v: readonly unknown[] | undefined) => (v ?? []).join('、');

/** One row per alert: what was found, about what, where, how much, since when, and where its handling stands. */
function alertRows(alerts: readonly AlertView[]) {
  return alerts.map((a) => ({ ...a, subjectKind: a.subject.kind, subjectId: a.subject.id, figureText: figureText(a.figures) }));
}
const figureText = (f: Record<string, unknown>) => Object.entries(f).map(([k, v]) => `${k}=${v}`).join('; ');

const ALERT_COLUMNS: Array<[string, string, Record<string, string>?]> = [
  ['alertId', '预警编号'], ['ruleId', '规则'], ['ruleName', '规则名称'], ['ruleVersion', '规则集版本'], ['description', '情形'], ['severity', '等级', SEVERITY_NAMES],
  ['subjectKind', '对象类型', ALERT_SUBJECT_NAMES], ['subjectId', '对象编号'], ['unitCode', '所在单位'], ['amount', '涉及金额(元)'], ['figureText', '比对数值'],
  ['raisedOn', '预警业务日期'], ['raisedAt', '首次记录时间'], ['status', '处置状态', ALERT_STATUS_NAMES], ['caseId', '案件编号'], ['closedOn', '销号日期'],
];

export function alertListSheets(body: { total: number; bySeverity: Record<string, number>; alerts: readonly AlertView[] }): Sheet[] {
  return [
    sheet('预警清单', ALERT_COLUMNS, alertRows(body.alerts)),
    { name: '按等级合计', headers: ['等级', '条数'], rows: [...Object.entries(body.bySeverity).map(([s, n]) => [nameOf(SEVERITY_NAMES, s), n]), ['合计', body.total]] },
  ];
}

export function alertSheets(a: AlertView): Sheet[] {
  const [row] = sheet('预警', ALERT_COLUMNS, alertRows([a])).rows;
  return [
    fields('预警', ALERT_COLUMNS.map(([, header], i) => [header, row[i]] as [string, unknown])),
    { name: '比对数值', headers: ['项', '值'], rows: Object.entries(a.figures).map(([k, v]) => [k, v ?? '']) },
    { name: '证据事件', headers: ['序号', '事件编号'], rows: a.evidence.map((id, i) => [i + 1, id]) },
  ];
}

/** The catalogue, then every version's settings, one row per rule and version. */
export function redFlagRuleSetSheets(r: { inForce: number; versions: ReadonlyArray<RuleSetVersion & { recordedAt: string | null }> }): Sheet[] {
  return [
    { name: '规则集版本', headers: ['版本', '生效日期', '文号', '说明', '记录时间', '当日适用'],
      rows: r.versions.map((v) => [v.version, v.effectiveFrom, v.documentNo ?? '', v.note ?? '', v.recordedAt ?? '（内置）', yesNo(v.version === r.inForce)]) },
    { name: '各版本规则设置', headers: ['版本', '规则', '规则名称', '启用', '等级', '分情形等级', '参数'],
      rows: r.versions.flatMap((v) => Object.entries(v.rules).map(([ruleId, s]) => [v.version, ruleId, RED_FLAG_RULES[ruleId as RedFlagRuleId]?.name ?? ruleId, yesNo(s.enabled),
        nameOf(SEVERITY_NAMES, s.severity), Object.entries(s.variantSeverity).map(([k, x]) => `${k}=${nameOf(SEVERITY_NAMES, x)}`).join('; '),
        Object.entries(s.params).map(([k, x]) => `${k}=${x}`).join('; ')])) },
    { name: '规则目录', headers: ['规则', '规则名称', '情形', '参数及含义'],
      rows: Object.entries(RED_FLAG_RULES).map(([ruleId, d]) => [ruleId, d.name, Object.values(d.variants as Record<string, string>).join('；'),
        Object.entries(d.params as Record<string, { meaning: string }>).map(([k, p]) => `${k}：${p.meaning}`).join('；')]) },
  ];
}

export function paymentRuleSheets(r: { inForce: PaymentRuleSet; versions: readonly PaymentRuleSet[]; benefitTypes: readonly string[] }): Sheet[] {
  return [
    { name: '支付规则', headers: ['生效日期', '预付款上限(%)', '惠民项目公示天数', '当日适用'],
      rows: r.versions.map((v) => [v.effectiveFrom, v.advanceMaxPercent, v.publicityMinDays ?? '', yesNo(v === r.inForce)]) },
    fields('惠民项目类型', [['类型', list(r.benefitTypes)]]),
  ];
}

export function rosterSheets(p: { personId: string; name: string; roleLabel: string; unitCode: string; status: string; from: string; leftOn: string | null;
  idNumber: string; account: string | null; relatives: ReadonlyArray<{ name: string; relation: string; idNumber: string }> }): Sheet[] {
  return [
    fields('人员', [['人员编号', p.personId], ['姓名', p.name], ['身份', p.roleLabel], ['所在单位', p.unitCode], ['状态', p.status === 'left' ? '已离任' : '在任'],
      ['任职起', p.from], ['离任日期', p.leftOn], ['身份证号', p.idNumber], ['银行账号', p.account]]),
    { name: '亲属', headers: ['姓名', '关系', '身份证号'], rows: p.relatives.map((r) => [r.name, nameOf(RELATION_NAMES, r.relation), r.idNumber]) },
  ];
}

const CASE_COLUMNS: Array<[string, string, Record<string, string>?]> = [
  ['caseId', '案件编号'], ['title', '标题'], ['source', '来源', CASE_SOURCE_NAMES], ['subjectUnitCode', '被查单位'], ['crossInspection', '交叉检查'], ['dueDate', '整改期限'],
  ['openedBy', '立案人'], ['openedOn', '立案日期'], ['status', '状态', CASE_STATUS_NAMES], ['overdue', '逾期'],
];
const caseRow = (c: Record<string, unknown>) => ({ ...c, crossInspection: yesNo(c.crossInspection), overdue: yesNo(c.overdue) });

export function caseListSheets(cases: View<typeof caseList>['cases']): Sheet[] {
  return [sheet('案件清单', CASE_COLUMNS, cases.map(caseRow))];
}

export function caseSheets(c: View<typeof caseView>): Sheet[] {
  const [row] = sheet('案件', CASE_COLUMNS, [caseRow(c)]).rows;
  return [
    fields('案件', [...CASE_COLUMNS.map(([, header], i) => [header, row[i]] as [string, unknown]), ['关联预警', list(c.alertIds)], ['追回金额(元)', c.recovered],
      ['销号申请', c.proposal ? JSON.stringify(c.proposal) : ''], ['销号审核人', c.closure?.confirmedBy], ['销号日期', c.closure?.effectiveDate], ['审核意见', c.closure?.comment]]),
    { name: '问题', headers: ['问题编号', '类型', '描述', '涉及金额(元)', '已追回(元)', '责任人', '记录人', '日期'],
      rows: c.findings.map((f) => [f.findingId, nameOf(FINDING_TYPE_NAMES, f.findingType), f.description, f.amount ?? '', f.recovered, list(f.responsiblePersons as unknown[]),
        f.recordedBy, f.effectiveDate]) },
    { name: '整改', headers: ['整改编号', '方式', '对应问题', '描述', '追回金额(元)', '追回支付', '退回', '被问责人', '问责方式', '记录人', '日期'],
      rows: c.rectifications.map((r) => {
        const x = r as Record<string, unknown>;
        return [r.rectificationId, nameOf(RECTIFICATION_KIND_NAMES, r.kind), r.findingId ?? '', r.description, x.amount ?? '', list(x.paymentIds as unknown[]),
          ((x.returns as Array<{ batchId: string; returnId: string }>) ?? []).map((t) => `${t.batchId}/${t.returnId}`).join('、'), x.personName ?? '',
          x.measure ? nameOf(ACCOUNTABILITY_MEASURE_NAMES, x.measure) : '', r.recordedBy, r.effectiveDate];
      }) },
    { name: '时间线', headers: ['步骤', '之后状态', '经办人', '业务日期', '记录时间'],
      rows: c.timeline.map((t) => [t.step, nameOf(CASE_STATUS_NAMES, t.status), t.by ?? '', t.effectiveDate, t.recordedAt]) },
  ];
}
