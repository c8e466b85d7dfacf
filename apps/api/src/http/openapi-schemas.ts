import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { BATCH_FIGURES, FIGURES, PROJECT_FIGURES, REGION_FIGURES, type FigureName } from '@yuantrace/domain';

/**
 * The response bodies of every route, as OpenAPI schemas. Money figures take their description
 * from the glossary (@yuantrace/domain figures.ts) in Chinese and English, so the documentation
 * and the views cannot mean different things. An end-to-end test validates real responses of
 * every route against these schemas (test/e2e/openapi.e2e-spec.ts): a field added to a view and
 * not documented here fails it.
 */
const str = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const nstr = (description?: string): SchemaObject => ({ type: 'string', nullable: true, ...(description ? { description } : {}) });
const int = (description?: string): SchemaObject => ({ type: 'integer', ...(description ? { description } : {}) });
const date = (description = '业务日期 business date (YYYY-MM-DD)'): SchemaObject => ({ type: 'string', format: 'date', description });
const ndate = (description = '业务日期 business date (YYYY-MM-DD)'): SchemaObject => ({ ...date(description), nullable: true });
const instant = (description = '记录时间 recorded instant (ISO-8601)'): SchemaObject => ({ type: 'string', format: 'date-time', description });
const yuan = (description: string): SchemaObject => ({ type: 'string', pattern: '^-?[0-9]+\\.[0-9]{2}$', description: `${description}（元，两位小数 yuan as a decimal string）` });
const figure = (name: FigureName): SchemaObject => yuan(`${FIGURES[name].zh} — ${FIGURES[name].en}: ${FIGURES[name].means}`);
const figures = (...names: FigureName[]) => Object.fromEntries(names.map((n) => [n, figure(n)]));
const obj = (properties: Record<string, SchemaObject>, options: { strict?: boolean; optional?: string[]; description?: string } = {}): SchemaObject => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !(options.optional ?? []).includes(k)),
  additionalProperties: !options.strict,
  ...(options.description ? { description: options.description } : {}),
});
const arr = (items: SchemaObject, description?: string): SchemaObject => ({ type: 'array', items, ...(description ? { description } : {}) });
const nobj = (s: SchemaObject): SchemaObject => ({ ...s, nullable: true });
const anyObject: SchemaObject = { type: 'object', additionalProperties: true };

const paymentRule = obj({ effectiveFrom: date('生效日期'), advanceMaxPercent: int('预付款累计不超过预算的百分比'), publicityMinDays: int('惠民项目公示最少天数') },
  { strict: true, description: '支付规则（PAYMENT_RULES）' });
const basis = obj({ asOf: ndate('业务日期口径 asOf'), knownAt: { ...instant('记录时点口径 knownAt'), nullable: true }, axis: { type: 'string', enum: ['current', 'asOf', 'knownAt', 'asOf+knownAt'] } },
  { strict: true, description: '本答复所用的时间口径 the basis this answer was read under' });
const payee = obj({ type: str('收款人类型 payee type'), id: str(), name: str(), account: str('账号（按角色打码）account, masked unless the reader may see it') });
const migrated: SchemaObject = { type: 'boolean',
  description: '旧系统迁移的记录：按原状态列示，但未经本账冻结与拨付，不计入任何金额 migrated from the old system: listed with its status, but it moved no money here and is in no figure' };
const eventRow = obj({ position: str(), streamId: str(), revision: str(), eventId: str(), type: str(), recordedAt: instant(), data: anyObject, metadata: anyObject });
/** A signed checkpoint of the sealed log (yuantrace-verify.js states the formats). */
const checkpoint = obj({
  body: obj({ log: str('日志名'), no: int('检查点序号，从1起'), alg: { type: 'string', enum: ['ed25519', 'sm2-sm3'], description: '签名算法' } as SchemaObject,
    hash: { type: 'string', enum: ['sha256', 'sm3'], description: '哈希算法' } as SchemaObject, keyId: str('签名公钥标识 the first 16 bytes of H(public key), hex'),
    fromCount: int('上一检查点覆盖的事件数'), count: int('至此检查点覆盖的事件总数'), fromPosition: str('上一检查点的位置'), position: str('最后一个事件的全局位置'),
    chainHead: str('哈希链头 h_count (hex)'), merkleRoot: str('本段事件的 Merkle 根 (RFC 6962, hex)'), previous: str('上一检查点的哈希 (hex)'), sealedAt: instant('签署时间') },
  { strict: true }),
  signature: str('对 canonical(body) 的签名 (hex)'),
}, { strict: true, description: '签名检查点 a signed checkpoint' });
const publicKeyDoc = obj({ alg: { type: 'string', enum: ['ed25519', 'sm2-sm3'] } as SchemaObject, keyId: str(), publicKey: str('Ed25519 为 PEM；SM2 为 04‖x‖y 十六进制') }, { strict: true });
/** A page of a list: the basis, the total, the page's place, and its items. */
const listOf = (item: SchemaObject): SchemaObject => obj({ basis, total: int('符合条件的总数 how many match in all'), limit: int(), offset: int(),
  nextOffset: { type: 'integer', nullable: true, description: '下一页的 offset；最后一页为空 the offset of the next page, null on the last' }, items: arr(item) }, { strict: true });
const batchStatus: SchemaObject = { type: 'string', enum: ['open', 'closed', 'voided'], description: '批次状态：在用、已关闭、已撤销 open, closed, voided' };
const batchLife = {
  status: batchStatus, closedOn: ndate('关闭日期 closed on'), voidedOn: ndate('撤销日期 voided on'),
  disposal: { type: 'string', enum: ['none', 'returned', 'carriedOver'], description: '关闭时结余的去向 what happened to the remainder at closure' } as SchemaObject,
  carriedOverTo: nstr('结转到的批次 the batch the remainder was carried over to'), voidReason: nstr('撤销原因'), replacedBy: nstr('更正批次 the batch that replaces a voided one'),
};
const batchHeader = {
  batchId: str(), documentNo: str('文号'), title: str(), source: str('资金来源代码 fund source code'), issuerLevel: str('下达层级'), recipientUnitCode: str('接收单位代码'),
  fiscalYear: int('年度'), purpose: str(), countsTowardHouseholdShare: { type: 'boolean' } as SchemaObject, effectiveDate: date('下达日期'), rootBatchId: str('源头批次'),
  rootDocumentNo: str('源头文号'),
};

const caseStatus: SchemaObject = { type: 'string', enum: ['open', 'verifying', 'rectifying', 'closure_proposed', 'closed'],
  description: '案件状态：已立案、核实中、整改中、待销号审核、已销号 open, verifying, rectifying, closure proposed, closed' };
const caseHeader = {
  caseId: str(), title: str(), source: { type: 'string', enum: ['alert', 'complaint', 'inspection'], description: '线索来源 线上预警、信访举报、监督检查' } as SchemaObject,
  subjectUnitCode: str('被检查单位 the unit the case is about'), crossInspection: { type: 'boolean', description: '异地交叉检查 (R-30)' } as SchemaObject,
  dueDate: date('整改期限 rectification deadline'), openedBy: str('立案人'), openedOn: date('立案日期'), status: caseStatus,
  overdue: { type: 'boolean', description: '逾期：未销号且已过整改期限（按 asOf 或今天） not closed and past its deadline' } as SchemaObject,
};
const caseBody = {
  ...caseHeader, alertIds: arr(str(), '所依据的预警'),
  findings: arr(obj({ findingId: str(), findingType: str('问题类型 截留/挤占/挪用/虚报/冒领…'), description: str(), amount: { ...yuan('涉及金额'), nullable: true },
    recovered: yuan('已追回 recovered for this finding'), responsiblePersons: arr(str()), recordedBy: str(), effectiveDate: date() }, { strict: true })),
  rectifications: arr(obj({ rectificationId: str(), kind: { type: 'string', enum: ['funds_recovered', 'accountability', 'other'] }, findingId: nstr(), description: str(),
    recordedBy: str(), effectiveDate: date(), amount: yuan('追回金额'), paymentIds: arr(str(), '已红冲的支付'), returns: arr(obj({ batchId: str(), returnId: str() }, { strict: true }), '资金退回'),
    personName: str('被问责人'), measure: str('问责方式') }, { strict: true, optional: ['amount', 'paymentIds', 'returns', 'personName', 'measure'] })),
  recovered: yuan('累计追回 recovered in all'),
  proposal: nobj(obj({ caseId: str(), proposedBy: str(), comment: str(), shortfalls: arr(obj({ findingId: str(), note: str() }, { strict: true })), effectiveDate: date() }, { strict: true })),
  closure: nobj(obj({ confirmedBy: str('销号审核人'), comment: str(), effectiveDate: date('销号日期') }, { strict: true })),
};

/** A red-flag alert: the rule and version that judged it, the subject, the money, the evidence, and when it was first raised on both axes. */
const alertBody = {
  alertId: str('预警编号 rule.variant.subjectKind.subjectId'), ruleId: str('规则编号 R-xx'), ruleName: str('规则名称'), ruleVersion: int('判断所依据的规则集版本'),
  variant: str('情形'), description: str('情形说明'), severity: { type: 'string', enum: ['red', 'yellow', 'blue'] } as SchemaObject, severityLabel: str('红 / 黄 / 蓝'),
  subject: obj({ kind: str('对象类型 payment / batch / household / account'), id: str() }, { strict: true }), unitCode: str('所在区域'),
  amount: { ...yuan('涉及金额'), nullable: true } as SchemaObject, figures: anyObject, detail: anyObject, evidence: arr(str(), '证据事件编号 the event ids it rests on'),
  raisedOn: date('首次预警的业务日期 the business date the finding became true'), raisedAt: instant('首次预警的记录时间 when the books first held all its evidence'),
  status: { type: 'string', enum: ['open', 'in_case', 'closed'], description: '未处置 / 已立案核查 / 已销号 (under the basis)' } as SchemaObject,
  caseId: nstr('处置它的案件'), closedOn: ndate('案件销号日期'),
};
const alert = obj(alertBody, { strict: true });
const rosterBody = { personId: str(), name: str(), role: str(), roleLabel: str('身份'), unitCode: str(), status: { type: 'string', enum: ['serving', 'left'] }, from: date('任职起始'),
    leftOn: ndate('离任日期'), idNumber: str('身份证号（按角色打码）'), account: nstr('账号（按角色打码）'),
    relatives: arr(obj({ name: str(), relation: str(), idNumber: str('身份证号（按角色打码）') }, { strict: true })) };
const ruleSetVersion = obj({ version: int('版本号'), effectiveFrom: date('生效日期'), documentNo: nstr('依据文号'), note: nstr(), rules: anyObject,
  recordedAt: { ...instant('采用时间（内置默认为空）'), nullable: true } as SchemaObject }, { optional: ['recordedAt'] });

export const SCHEMAS = {
  error: obj({ error: obj({ code: str('机器可读的错误代码 machine-readable code, e.g. insufficient_balance'), message: str('说明 what is wrong'),
    field: nstr('出错的字段 the field at fault') }, { optional: ['field'] }) }, { strict: true }),
  adminUnit: obj({ status: str(), code: str('12位区划代码'), name: str(), level: str(), parentCode: nstr() }),
  batchResource: obj({ ...batchHeader, parentBatchId: nstr(), status: batchStatus, amount: yuan('批次金额 the amount of the 文号 line'), ...figures(...BATCH_FIGURES) },
    { strict: true }),
  allocation: obj({ batchId: str(), allocationId: str(), target: anyObject, amount: yuan('分配金额'), effectiveDate: date(), documentNo: str() }, { strict: true }),
  returnResult: obj({ batchId: str(), returnId: str(), amount: yuan('退回金额'), toBatchId: nstr('退回到的批次（根批次退回国库时为空）'), fromAllocationId: nstr('项目结余退回时的分配'),
    reason: str(), effectiveDate: date() }, { strict: true }),
  projectResource: obj({ projectId: str(), name: str(), type: str(), unitCode: str(), implementer: str(), budget: yuan('预算'), plannedStart: date(), plannedEnd: date(),
    funding: arr(anyObject) }, { strict: true }),
  milestone: obj({ projectId: str(), milestoneId: str(), kind: str(), date: date(), percentComplete: { type: 'integer', nullable: true }, result: nstr(), publicUntil: ndate(),
    documentNo: nstr(), note: nstr(), stage: str('阶段：已到达的最后环节 the furthest milestone reached'), reached: arr(str(), '已到达的环节 the kinds reached') }, { strict: true }),
  household: obj({ householdId: str(), unitCode: str(), category: str(), causes: arr(str()), registeredOn: date(), status: str(),
    members: arr(obj({ name: str(), relation: str(), birthYear: int(), idNumber: str('身份证号（按角色打码）') })), history: arr(anyObject) }, { strict: true }),
  paymentResource: obj({ paymentId: str(), projectId: str(), allocationId: str(), batchId: str(), status: str(), payee, amount: yuan('金额'), purpose: str(),
    installment: str(), effectiveDate: date(), requestedBy: str(), decidedBy: nstr() }, { strict: true }),
  batchView: obj({ basis, ...batchHeader, ...batchLife, replaces: arr(str(), '本批次所更正（替代）的已撤销批次 the voided batches this one was named to replace'), amount: yuan('批次金额 the amount of the 文号 line'), ...figures(...BATCH_FIGURES),
    allocations: arr(obj({ allocationId: str(), documentNo: str(), effectiveDate: date(), amount: yuan('分配金额'), target: anyObject }, {})),
    parent: nobj(obj({ batchId: str(), allocationId: str() })),
    children: arr(obj({ batchId: str(), recipientUnitCode: str(), amount: yuan('子批次金额'),
      status: { type: 'string', enum: ['open', 'closed', 'voided'], description: '子批次状态（已撤销的子批次不计入下拨下级） the child\'s status; a voided child counts for nothing' } as SchemaObject })) },
  { strict: true, optional: ['disposal', 'carriedOverTo', 'voidReason', 'replacedBy'] }),
  flow: obj({ basis, flow: obj({ batchId: str(), documentNo: str(), recipientUnitCode: str(), source: str(), ...batchLife, ...figures(...BATCH_FIGURES),
    children: arr(anyObject, '子批次（同样结构）与项目（committed/returned/held/paid/balance 与收款人）') },
  { optional: ['disposal', 'carriedOverTo', 'voidReason', 'replacedBy'] }) }, { strict: true }),
  projectView: obj({ basis, projectId: str(), name: str(), type: str(), unitCode: str(), implementer: str(), budget: yuan('预算'), plannedStart: date(), plannedEnd: date(),
    stage: str('阶段：已到达的最后环节 the furthest milestone reached'), percentComplete: int('完成进度'), acceptance: nstr('验收结果 passed / failed'),
    milestones: arr(obj({ milestoneId: str(), kind: str(), date: date(), percentComplete: { type: 'integer', nullable: true }, result: nstr(), publicUntil: ndate(),
      documentNo: nstr(), note: nstr(), recordedAt: instant() }, { strict: true })),
    ...figures(...PROJECT_FIGURES),
    funding: arr(obj({ allocationId: str(), batchId: str(), rootBatchId: str(), source: str(), fiscalYear: int(), ...figures(...PROJECT_FIGURES) }, { strict: true })),
    fundingBySource: arr(obj({ source: str(), ...figures(...PROJECT_FIGURES) }, { strict: true })),
    paymentCount: int('支付笔数（截至口径） how many payments the project has under the basis'),
    advancesClaimed: yuan('预付款累计：申请中、已审核、已支付的预付款（不含驳回、退票、追回与旧系统迁移记录），预付上限据此判断 open advance claims, which the advance cap weighs'),
    paymentsOffset: int('本页支付自第几笔起（0 起） where this page of payments starts'),
    paymentsNextOffset: { type: 'integer', nullable: true, description: '下一页的 paymentsOffset；没有更多时为空 the next page\'s paymentsOffset, null at the end' },
    payments: arr(obj({ paymentId: str(), status: str(), amount: yuan('金额'), installment: str(), payee, effectiveDate: date('申请日期 the day it was requested'),
      paidOn: ndate('支付日期（未支付为空） the day it was paid, null until then'), migrated })) }, { strict: true }),
  paymentView: obj({ basis, paymentId: str(), projectId: str(), allocationId: str(), batchId: str(), unitCode: str(), status: str(), payee, amount: yuan('金额'),
    purpose: str(), installment: str(), requestedBy: str(), effectiveDate: date(), channel: nstr('支付渠道'), bankReference: nstr('银行流水号'),
    replaces: nstr('本笔替代的退票/追回支付 the payment this one pays again for'), replacedBy: nstr('替代本笔的支付 the payment that paid again for this one'), migrated,
    history: arr(obj({ status: str(), by: nstr('操作人'), effectiveDate: date(), recordedAt: instant() })) }, { strict: true }),
  trace: obj({ basis, payment: anyObject, allocation: nobj(anyObject), chain: arr(obj({ hop: str(), batchId: str(), documentNo: str() })), root: nobj(anyObject) }, { strict: true }),
  summary: obj({ basis, code: str(), name: str(), level: str(), ...figures(...REGION_FIGURES), householdsReached: int('覆盖农户数 households reached'),
    bySourceAndYear: arr(obj({ source: str(), fiscalYear: int(), ...figures(...REGION_FIGURES) }, { strict: true })),
    subUnits: arr(obj({ code: str(), name: str(), level: str(), ...figures(...REGION_FIGURES), householdsReached: int(), bySourceAndYear: arr(anyObject) })) }, { strict: true }),
  householdView: obj({ basis, householdId: str(), unitCode: str(), category: str(), causes: arr(str()), registeredOn: date(), status: str(), members: arr(anyObject),
    history: arr(anyObject), received: yuan('累计收到'), receipts: arr(anyObject, '每笔到户资金及其来源链'), totals: anyObject }, { strict: true }),
  disclosure: obj({ basis, code: str(), name: str(), level: str(), totals: anyObject, projects: arr(anyObject), households: arr(anyObject),
    sealedLog: nobj({ ...checkpoint, description: '公示时日志的最新签名检查点：打印的公示据此固定当日的日志 the latest signed checkpoint, which fixes the log as of the notice' }) },
  { strict: true }),
  events: obj({ events: arr(eventRow),
    next: nstr('下一页游标') }, { strict: true }),
  // Lists: a page of items with the total and where the next page starts, under the basis stated.
  paymentList: listOf(obj({ paymentId: str(), projectId: str(), unitCode: str(), status: str('截至口径的状态 the status under the basis'), payee, amount: yuan('金额'),
    installment: str(), purpose: str(), effectiveDate: date('申请日期'), recordedAt: instant(), requestedBy: str('申请人'), decidedBy: nstr('审核人'),
    channel: nstr('支付渠道'), migrated }, { strict: true })),
  projectList: listOf(obj({ projectId: str(), name: str(), type: str(), unitCode: str(), implementer: str(), budget: yuan('预算'), plannedStart: date(), plannedEnd: date(),
    stage: str('截至口径的阶段 the furthest milestone reached under the basis'), recordedAt: instant() }, { strict: true })),
  batchList: listOf(obj({ batchId: str(), documentNo: str('文号'), title: str(), source: str('资金来源代码 fund source code'), issuerLevel: str('下达层级'),
    recipientUnitCode: str('接收单位代码'), fiscalYear: int('年度'), effectiveDate: date('资金到达日期 the day its money arrived'), rootDocumentNo: str('源头文号'), status: batchStatus, amount: yuan('批次金额'), parentBatchId: nstr(), unspent: figure('balance'),
    unspentSince: ndate('结余自何日（资金到达之日）；已无结余时为空 since when it is unspent: the day its money arrived'),
    ageDays: { type: 'integer', nullable: true, description: '结余已有天数（截至口径日期或今天） days unspent, to the basis date or today' } }, { strict: true })),
  householdList: listOf(obj({ householdId: str(), unitCode: str(), category: str(), registeredOn: date(), status: str('截至口径的状态'), memberCount: int('人数'),
    head: nobj(obj({ name: str('户主姓名'), idNumber: str('户主身份证号（按角色打码）') }, { strict: true })) }, { strict: true })),
  identityLookup: obj({ households: arr(obj({ householdId: str(), unitCode: str(), category: str(), registeredOn: date(), status: str(),
    member: obj({ name: str(), relation: str(), birthYear: int(), idNumber: str('身份证号（按角色打码）') }, { strict: true }) }, { strict: true })) }, { strict: true }),
  accountLookup: obj({ payments: arr(obj({ paymentId: str(), projectId: str(), unitCode: str(), status: str(), payee: obj({ type: str(), id: str(), name: str() }, { strict: true }),
    householdId: nstr('收款农户'), amount: yuan('金额'), effectiveDate: date(), account: str('账号（按角色打码）') }, { strict: true })),
    payees: arr(obj({ type: str(), id: str(), name: str() }, { strict: true })), households: arr(str(), '收款农户编号') }, { strict: true }),
  activity: obj({ basis, principalId: str('经办人'), total: int('符合条件的事件数'), events: arr(eventRow), next: nstr('下一页游标') }, { strict: true }),
  caseResource: obj(caseBody, { strict: true }),
  caseView: obj({ basis, ...caseBody, timeline: arr(obj({ step: str('事件类型 event type'), status: caseStatus, by: nstr('操作人'), effectiveDate: date(), recordedAt: instant() },
    { strict: true })) }, { strict: true }),
  caseList: obj({ basis, cases: arr(obj(caseHeader, { strict: true })), next: nstr('下一页游标') }, { strict: true }),
  // The inspector's desk: red-flag alerts, the rule set, the roster.
  alertList: obj({ basis, total: int('符合条件的预警总数'), bySeverity: obj({ red: int('红'), yellow: int('黄'), blue: int('蓝') }, { strict: true }),
    alerts: arr(alert), next: nstr('下一页游标') }, { strict: true }),
  alertView: obj({ basis, ...alertBody }, { strict: true }),
  ruleSet: obj({ basis, inForce: int('截至 asOf 有效的版本号'), catalogue: arr(obj({ ruleId: str(), name: str(), variants: anyObject, params: anyObject }, { strict: true })),
    severities: anyObject, versions: arr(ruleSetVersion) }, { strict: true }),
  ruleSetVersion,
  paymentRules: obj({ basis, inForce: paymentRule, versions: arr(paymentRule, '配置的各版本，按生效日期'), benefitTypes: arr(str(), '惠民项目类型：向农户发放，一次性，须公示期满') },
    { strict: true }),
  rosterPersonView: obj({ basis, ...rosterBody }, { strict: true }),
  rosterPerson: obj(rosterBody, { strict: true }),
  checkpoint,
  checkpointLatest: obj({ checkpoint, sealed: int('已链入哈希链的事件数'), pending: int('已链入但尚未签入检查点的事件数'), position: str('已封存到的全局位置'),
    publicKey: publicKeyDoc }, { strict: true }),
  checkpointList: obj({ checkpoints: arr(checkpoint), next: { type: 'integer', nullable: true, description: '下一页的 after' } as SchemaObject }, { strict: true }),
  publicKey: publicKeyDoc,
  eventProof: obj({ event: obj({ data: anyObject, id: str(), metadata: anyObject, position: str(), recordedAt: str(), revision: str(), stream: str(), type: str() },
    { strict: true, description: '被封存的事件字段 the sealed fields, as canonical() takes them' }), leafHash: str('H(0x00 ‖ canonical(event))'),
  proof: obj({ eventId: str(), checkpoint: int('检查点序号'), index: int('在该检查点段内的序号（从0起）'), treeSize: int('该段事件数'), path: arr(str(), 'RFC 6962 审计路径') }, { strict: true }),
  checkpoint, publicKey: publicKeyDoc }, { strict: true }),
  health: obj({ status: { type: 'string', enum: ['ok', 'degraded'] }, store: str(), lastPosition: nstr(), projections: arr(anyObject), reasons: arr(str()) },
    { strict: true, optional: ['lastPosition', 'projections', 'reasons'] }),
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;

/** The success body of a route, and the error body of every refusal it can give. */
export function Responds(status: 200 | 201, schema: SchemaName, description: string, options: { exports?: boolean } = {}) {
  return applyDecorators(
    ApiResponse({
      status, description,
      content: {
        'application/json': { schema: SCHEMAS[schema] },
        ...(options.exports ? {
          'text/csv': { schema: { type: 'string', description: 'UTF-8 CSV with a byte-order mark; Chinese headers' } },
          'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', format: 'binary' } },
        } : {}),
      },
    }),
    ...([
      [HttpStatus.BAD_REQUEST, '请求格式错误 malformed input (code and field named)'],
      [HttpStatus.UNAUTHORIZED, '未登录或令牌无效 no or invalid token'],
      [HttpStatus.FORBIDDEN, '角色或辖区不允许 role or region not allowed'],
      [HttpStatus.NOT_FOUND, '不存在（或在时间口径之前尚未记录） not found, or not recorded by the basis'],
      [HttpStatus.CONFLICT, '与已记录的事实冲突 conflicts with what is recorded'],
      [HttpStatus.UNPROCESSABLE_ENTITY, '业务规则不允许 a ledger rule refuses it'],
      [HttpStatus.SERVICE_UNAVAILABLE, '数据库暂不可用 the database is unavailable'],
    ] as const).map(([s, d]) => ApiResponse({ status: s, description: d, content: { 'application/json': { schema: SCHEMAS.error } } })),
  );
}
