import { HOUSEHOLD_STATUS_NAMES, MILESTONE_NAMES } from '../../../../libs/domain/src/labels/labels';

/**
 * Every error the api returns, as a Chinese sentence naming the field: the codes are mapped here
 * and nowhere else. A code without a sentence of its own still gets one from its HTTP status.
 * test/web/error-text.spec.ts reads the api's source for every code it can answer and fails on
 * one missing here, so a new refusal cannot reach a user as a bare English code.
 */
export const ERROR_TEXT: Record<string, string> = {
  // The browser's own: the api not reached, or its answer not understood.
  network: '无法连接服务器，请检查网络后重试',
  client: '页面处理服务器的答复时出错，请刷新后重试',

  // Signing in and what a role may do (apps/api/src/auth, libs/ledger/src/auth).
  unauthenticated: '请先登录',
  invalid_token: '登录凭证无效，请重新登录',
  token_expired: '登录已过期，请重新登录',
  role_not_allowed: '您的角色无权进行此操作',
  route_not_open: '此功能未向任何角色开放',
  out_of_scope: '该记录不在您的管辖范围内',
  cross_inspection_own_county: '这是异地交叉检查案件，被检查单位在您本人所在地区，须由其他地区的检查人员办理',

  // The HTTP layer (apps/api/src/http): the request itself.
  route_not_found: '没有这个接口地址',
  malformed_request: '提交的内容不是有效的数据格式',
  payload_too_large: '提交的内容过大',
  database_unavailable: '数据库暂时无法连接，请稍后重试',
  concurrent_update: '该记录刚被他人修改，请刷新后重试',
  invalid_event: '这笔记录的格式不正确，未予保存',
  internal_error: '服务器内部出错，已记录，请稍后重试',
  too_deep: '提交的内容层级过深',
  too_many_values: '提交的内容项数过多',
  control_character: '填写的文字含有不可见的控制字符，请删除后重新填写',
  malformed_text: '填写的文字含有无法识别的字符，请检查后重新填写',
  invalid_request: '提交的内容有误',
  invalid_field: '此项填写不正确',
  unknown_field: '提交了本操作不需要的项目',
  conflicting_parameters: '所选的筛选条件不能同时使用',
  unknown_parameter: '查询中有本页面不支持的条件',
  invalid_parameter: '查询条件的取值不正确',
  invalid_limit: '每页条数须为 1 至 500 的整数',
  invalid_offset: '翻页位置不正确',
  invalid_sort: '不支持按此项排序',
  invalid_cursor: '翻页标记无效，请回到第一页重新查询',
  invalid_after: '检查点编号须为整数',
  invalid_format: '导出格式只能是 json、csv 或 xlsx',
  invalid_year: '年度须为四位数年份，如 2016',
  invalid_overdue: '“是否逾期”只能选是或否',
  invalid_category: '识别属性不在可选范围内',
  invalid_channel: '支付渠道不在可选范围内',
  invalid_payee_type: '收款人类型不在可选范围内',
  invalid_queue: '待办队列不在可选范围内',
  invalid_source: '资金来源不在可选范围内',
  invalid_stage: '项目阶段不在可选范围内',
  invalid_type: '类型不在可选范围内',
  invalid_status: '状态不在可选范围内',
  invalid_severity: '预警等级只能是红、黄、蓝',
  invalid_subject_kind: '预警对象类型不在可选范围内',

  // Values of their kind (libs/domain: dates, money, ids, codes, identity numbers).
  invalid_date: '日期不正确，应为“年-月-日”，如 2016-05-15',
  date_in_future: '日期不能晚于今天',
  invalid_instant: '记录时点不正确，应为带时区的时间',
  instant_in_future: '记录时点不能晚于现在',
  invalid_amount: '金额不正确，应为以元为单位、最多两位小数的数字，如 380000.00',
  invalid_fen: '金额不正确',
  invalid_id: '编号只能由 1 至 64 个字母、数字及“-”“_”“.”组成',
  invalid_unit_code: '行政区划代码应为 12 位数字（村民小组为 15 位）',
  invalid_id_number: '身份证号应为 18 位（17 位数字加一位校验码，校验码可为 X）',
  invalid_check_digit: '身份证号的校验码不正确，请核对',
  invalid_birth_date: '身份证号中的出生日期不存在，请核对',
  invalid_stream_id: '记录流编号不正确',
  unknown_stream_category: '记录流类别不存在',
  unknown_stream_kind: '记录流类别不在可选范围内',
  invalid_event_id: '事件编号格式不正确',
  unknown_event_type: '没有这种事件类型',
  invalid_alert_id: '预警编号格式不正确',
  id_reused_with_different_payload: '该编号已被使用且内容不同，请换一个编号',

  // Not found.
  not_found_as_of: '在所选的业务日期或记录时点，该记录尚未登记',
  admin_unit_not_found: '没有这个行政区划单位',
  fund_batch_not_found: '没有这个资金批次',
  batch_not_found: '资金批次不存在',
  project_not_found: '项目不存在',
  payment_not_found: '支付不存在',
  household_not_found: '该户未登记为建档立卡户',
  case_not_found: '案件不存在',
  alert_not_found: '预警不存在，或在所选时点尚未产生',
  roster_person_not_found: '人员名册中没有此人',
  event_not_found: '您的辖区内没有这条事件记录',
  stream_not_found: '没有这个记录流',
  unit_not_found: '该行政区划单位未登记',
  parent_not_found: '上级单位未登记',
  rule_set_version_not_found: '没有采用过这个版本的预警规则集',
  no_checkpoint: '所选时点之前还没有签署过检查点',
  not_sealing: '本系统未启用日志封存',
  not_sealed_yet: '这条事件尚未纳入已签署的检查点，请稍后再查',
  not_in_seal: '这条事件位于已封存的区间内，却不在封存的事件之中：它是封存后被放入的',

  // Administrative units.
  invalid_level: '单位级别不在可选范围内',
  admin_unit_immutable: '该单位已登记，级别和上级单位不能更改',
  code_does_not_fit_level: '行政区划代码与单位级别不相符',
  code_outside_parent: '行政区划代码应以上级单位的代码开头',
  parent_level_not_above: '上级单位的级别须高于本单位',
  parent_required: '须填写上级单位',
  province_has_no_parent: '省级单位没有上级单位',
  unit_level_not_allowed: '该单位的级别不适用于此项操作',

  // Fund batches: receipt, allocation, holds, return, closure, voiding (libs/domain/src/fund-batch, ledger).
  insufficient_balance: '可用余额不足，不能支付这笔款项',
  amount_implausible: '金额远超该级资金的正常规模，请核对金额',
  batch_id_taken: '该批次编号已被使用，请换一个编号',
  batch_closed: '该资金批次已结清关闭，资金不能再转出',
  batch_voided: '该资金批次已撤销，资金不能转入或转出',
  batch_has_moved_money: '该批次已有资金下拨、冻结或退回，不能撤销；请改为退回结余',
  allocation_id_taken: '该资金安排（拨付）编号已被使用',
  allocation_not_found: '该批次中没有这笔资金安排（拨付）',
  allocation_not_for_project: '这笔资金安排（拨付）不是拨给该项目的',
  allocation_to_itself: '资金批次不能拨付给自己',
  not_a_project_allocation: '这笔资金安排是拨给下级批次的，应由该下级批次退回',
  recipient_not_below: '下拨的接收单位须是本批次接收单位的下级',
  project_outside_batch_unit: '项目所在单位不在该批次接收单位的辖区内',
  date_before_allocation: '日期早于资金安排（拨付）日期',
  date_before_batch: '日期早于资金批次的业务日期',
  date_before_last_movement: '关闭日期早于该批次最后一笔资金变动的日期',
  hold_not_found: '该批次没有为这笔支付冻结资金',
  hold_not_open: '这笔支付的冻结资金已经解冻或支出',
  holds_outstanding: '该批次仍有为在途支付冻结的资金，暂不能关闭',
  remainder_not_disposed: '该批次尚有结余，关闭时须选择退回上级或结转',
  return_not_from_child: '退回的批次并未从本批次收到这笔拨付',
  parent_not_open: '上级批次已撤销，结余不能退回，请改为结转',
  date_before_closure: '批次关闭后收到的资金，退回日期不能早于关闭日期',
  carry_over_to_itself: '结余应结转到一个新的批次',
  carry_over_year: '结转的年度须晚于原批次的年度',
  replaced_by_itself: '资金批次不能由自己替代',
  replacement_not_found: '替代的资金批次不存在，请先登记更正后的批次',
  replacement_voided: '替代的资金批次本身已被撤销',

  // Projects and their milestones (libs/domain/src/project).
  planned_end_before_start: '计划完工日期早于计划开工日期',
  invalid_percent: '完成进度须为 0 至 100',
  result_required: '验收须填写结果：合格或不合格',
  unexpected_result: '只有验收才填写结果',
  document_required: '立项须填写批复文号',
  public_until_required: '公示须填写公示截止日期',
  public_until_before_date: '公示截止日期早于公示开始日期',
  milestone_before_prerequisite: '此环节的日期早于它之前必须完成的环节',
  milestone_before_previous: '日期早于已登记的同一环节',
  milestone_before_project: '日期早于项目立项日期',
  progress_goes_backwards: '完成进度低于已报告的进度',
  accepted_after_accepted: '项目已通过验收，不能再次验收',
  handed_over_before_accepted: '项目尚未验收合格，不能办理资产移交',

  // Payments: request, approval, execution, failure, reversal (libs/domain/src/payment, project/payment-rules).
  approver_is_requester: '审核人不能是报账申请人本人',
  payment_already_decided: '这笔支付已经审核过',
  payment_not_approved: '只有审核通过的支付才能办理支付或登记失败',
  payment_already_settled: '这笔支付已经办结',
  payment_not_executed: '这笔支付尚未支出，不能冲正',
  payment_already_reversed: '这笔支付已经冲正',
  payment_already_replaced: '这笔支付已经重新支付过',
  bank_reference_reused: '该银行流水号已用于另一笔支付',
  date_before_request: '日期早于报账申请日期',
  date_before_approval: '日期早于审核通过日期',
  date_before_execution: '日期早于支付日期',
  replaces_itself: '一笔支付不能替代它自己',
  replaced_payment_not_found: '要重新支付的原支付不存在',
  replaced_payment_not_failed: '只有失败或已冲正的支付才能重新支付',
  replacement_differs: '重新支付须与原支付的收款人和项目相同',
  payee_household_not_registered: '收款户在支付日未登记为建档立卡户',
  payee_household_removed: '收款户在支付日前已被剔除',
  payee_household_outside_project: '收款户不在该项目所在村',
  benefit_payee_not_household: '到户补助项目只能支付给建档立卡户',
  installment_not_for_programme: '到户补助项目只能一次性支付',
  unknown_installment: '支付类型不在可选范围内',
  no_payment_rule: '该日期没有适用的支付规则',
  project_not_approved: '项目尚未立项，不能支付',
  payment_before_approval: '支付日期早于项目立项日期',
  project_not_started: '项目尚未开工，不能支付进度款',
  project_not_accepted: '项目尚未验收合格，不能支付尾款',
  advance_after_start: '项目已开工，不能再支付预付款',
  advance_exceeds_limit: '预付款超过规定的比例上限',
  exceeds_budget: '累计支付将超过项目预算',
  exceeds_progress: '累计支付将超过已报告的工程进度',
  publicity_not_completed: '项目公示尚未结束，不能发放补助',
  publicity_too_short: '项目公示天数不足规定天数',

  // Households (libs/domain/src/household, libs/ledger/personal-data).
  head_required: '每户须有且只有一名户主',
  cause_required: '须至少填写一项致贫原因',
  duplicate_member: '同一身份证号在本户中出现了两次',
  identity_number_taken: '该身份证号已登记在另一户中',
  birth_year_mismatch: '出生年份与身份证号中的出生日期不一致',
  born_after_registration: '出生日期晚于登记日期',
  status_date_before_previous: '日期早于该户上一次状态变更的日期',

  // The red-flag rule set and the roster (libs/domain/src/oversight).
  unknown_rule: '没有这条预警规则',
  unknown_variant: '该预警规则没有这一情形',
  unknown_rule_parameter: '该预警规则没有这个参数',
  invalid_rule_change: '规则的修改内容格式不正确',
  invalid_rule_parameter: '规则参数的取值不正确',
  invalid_version: '规则集版本号须为不小于 2 的整数（第 1 版为内置默认值）',
  version_out_of_order: '规则集版本号须紧接最新版本',
  roster_person_already_left: '此人已经离任',
  date_before_roster_start: '离任日期早于任职起始日期',
  relative_is_the_person: '申报的亲属不能是本人',

  // Cases (libs/domain/src/case).
  alert_required: '由预警立案须至少选择一条预警',
  duplicate_alert: '同一条预警选了两次',
  alert_outside_subject: '所选预警不在被检查单位的辖区内',
  due_before_opened: '整改期限早于立案日期',
  case_closed: '案件已销号，不能再办理',
  closure_pending: '案件已申请销号，须先由另一名检查人员审核',
  date_before_previous_step: '日期早于案件上一步的日期',
  finding_not_found: '案件中没有这项问题',
  finding_required: '追回资金须指明对应的问题编号',
  finding_without_amount: '这项问题没有涉及金额，无需追回',
  no_findings_yet: '案件还没有查实的问题，请先登记核实结果',
  recovery_reference_required: '须列出追回资金所依据的红冲支付或资金退回',
  recovery_payment_not_found: '追回所依据的支付不存在',
  recovery_payment_not_reversed: '只有已红冲的支付才能作为追回资金',
  recovery_return_not_found: '追回所依据的资金退回不存在',
  recovery_outside_subject: '追回所依据的支付或批次不在被检查单位的辖区内',
  recovery_after_rectification: '红冲或退回发生在整改日期之后',
  recovery_already_counted: '这笔红冲或退回已计入本案的追回金额',
  recovery_exceeds_ledger: '追回金额超过所列红冲和退回的合计',
  recovery_exceeds_finding: '累计追回金额将超过该问题涉及的金额',
  recovery_incomplete: '问题涉及的金额尚未全额追回，请追回或逐项说明原因',
  closure_already_proposed: '案件已申请销号',
  closure_not_proposed: '案件尚未申请销号',
  confirmer_is_proposer: '销号申请人不能自己审核，须由另一名检查人员审核',
  comment_required: '退回销号申请须写明意见',
};

/** The request fields, by the name the api gives them (DTO properties, query parameters, dotted paths). */
export const FIELD_NAMES: Record<string, string> = {
  // The basis and lists.
  asOf: '业务日期（截至）',
  knownAt: '记录时点',
  limit: '每页条数',
  offset: '翻页位置',
  paymentsLimit: '支付明细每页笔数',
  paymentsOffset: '支付明细翻页位置',
  after: '翻页标记',
  sort: '排序',
  format: '导出格式',
  unitCode: '单位代码',
  year: '年度',
  fiscalYear: '年度',
  dateFrom: '起始日期',
  dateTo: '截止日期',
  asOfFrom: '业务日期（起）',
  asOfTo: '业务日期（止）',
  from: '起始日期',
  to: '截止日期',
  amountMin: '金额下限',
  amountMax: '金额上限',
  queue: '待办队列',
  stage: '项目阶段',
  unspentOnly: '仅看有结余',
  payeeId: '收款人编号',
  payeeType: '收款人类型',
  requestedBy: '申请人',
  approvedBy: '审核人',
  actor: '操作人',
  principalId: '人员编号',
  stream: '记录流',
  streamKind: '记录流类别',
  type: '类型',
  key: '公钥',
  checkpoint: '检查点',
  eventId: '事件编号',
  id: '编号',
  // Administrative units.
  code: '行政区划代码',
  name: '名称',
  level: '单位级别',
  parentCode: '上级单位代码',
  // Fund batches.
  batchId: '资金批次编号',
  documentNo: '文号',
  title: '标题',
  source: '来源',
  issuerLevel: '下达层级',
  recipientUnitCode: '接收单位',
  amount: '金额',
  effectiveDate: '业务日期',
  purpose: '用途',
  countsTowardHouseholdShare: '计入到户资金比例',
  lineItems: '明细',
  label: '名称',
  allocationId: '资金安排（拨付）编号',
  target: '拨付对象',
  'target.type': '拨付对象类型',
  'target.batchId': '下级批次编号',
  'target.recipientUnitCode': '下级接收单位',
  'target.projectId': '拨付项目编号',
  returnId: '退回编号',
  reason: '原因',
  remainder: '结余处理方式',
  carryOver: '结转',
  'carryOver.batchId': '结转批次编号',
  'carryOver.fiscalYear': '结转年度',
  'carryOver.documentNo': '结转文号',
  replacedBy: '替代批次编号',
  // Projects.
  projectId: '项目编号',
  implementer: '实施单位',
  budget: '预算',
  plannedStart: '计划开工日期',
  plannedEnd: '计划完工日期',
  milestoneId: '环节编号',
  kind: '类别',
  date: '日期',
  percentComplete: '完成进度',
  result: '验收结果',
  publicUntil: '公示截止日期',
  note: '说明',
  // Payments.
  paymentId: '支付编号',
  payee: '收款人',
  'payee.type': '收款人类型',
  'payee.id': '收款人编号',
  'payee.name': '收款人名称',
  'payee.account': '收款账号',
  installment: '支付类型',
  replacesPaymentId: '被替代的支付编号',
  approved: '审核结论',
  comment: '意见',
  channel: '支付渠道',
  bankReference: '银行流水号',
  // Households and people.
  householdId: '户编号',
  head: '户主',
  'head.name': '户主姓名',
  'head.idNumber': '户主身份证号',
  'head.birthYear': '户主出生年份',
  members: '家庭成员',
  idNumber: '身份证号',
  birthYear: '出生年份',
  relation: '与户主关系',
  category: '识别属性',
  causes: '致贫原因',
  registeredOn: '识别日期',
  status: '状态',
  account: '银行账号',
  // The red-flag rule set and the roster.
  ruleId: '规则编号',
  variant: '情形',
  severity: '预警等级',
  subjectKind: '对象类型',
  subjectId: '对象编号',
  version: '版本号',
  effectiveFrom: '生效日期',
  rules: '规则',
  enabled: '是否启用',
  variantSeverity: '分情形等级',
  params: '参数',
  personId: '人员编号',
  role: '身份',
  relatives: '亲属',
  // Cases.
  caseId: '案件编号',
  alertId: '预警编号',
  alertIds: '预警编号',
  subjectUnitCode: '被检查单位',
  crossInspection: '异地交叉检查',
  dueDate: '整改期限',
  overdue: '是否逾期',
  findingId: '问题编号',
  findingType: '问题类型',
  description: '情况说明',
  responsiblePersons: '责任人',
  rectificationId: '整改编号',
  paymentIds: '红冲支付编号',
  returns: '资金退回',
  personName: '被问责人',
  measure: '问责方式',
  shortfalls: '未追回说明',
  confirmed: '审核结论',
};

const BY_STATUS: Record<number, string> = {
  0: '无法连接服务器',
  400: '填写的内容有误',
  401: '请先登录',
  403: '无权访问',
  404: '未找到该记录',
  409: '与已有记录冲突',
  413: '提交的内容过大',
  422: '不符合业务规则，未予办理',
  503: '服务暂时不可用，请稍后重试',
};

/**
 * A field's Chinese name. Paths are dotted ("payee.account"), with list positions as "[2]" or ".2"
 * ("members[2].idNumber", "members.2.idNumber"): a known pair is named as a pair, a position as
 * "第3项", anything unknown is kept as the api spelt it.
 */
export function fieldName(field: string): string {
  if (FIELD_NAMES[field]) return FIELD_NAMES[field];
  const segs = field.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  const parts: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (/^\d+$/.test(s)) {
      const nth = `第${Number(s) + 1}项`;
      if (parts.length) parts[parts.length - 1] += nth;
      else parts.push(nth);
      continue;
    }
    // A pair named whole: "payee.account" is 收款账号, not 收款人的银行账号.
    const pair = segs[i + 1] === undefined ? undefined : FIELD_NAMES[`${s}.${segs[i + 1]}`];
    if (pair) {
      parts.push(pair);
      i += 1;
      continue;
    }
    parts.push(FIELD_NAMES[s] ?? s);
  }
  return parts.join('的');
}

/** What a project must have reached, as a phrase: "项目尚未<竣工>" / "项目已<竣工>". */
const REACHED: Record<string, string> = {
  approved: '立项', publicized: '公示', tendered: '招标', contracted: '签订合同', started: '开工', progress: '报告进度', completed: '竣工',
  accepted: '通过验收', handed_over: '完成资产移交',
};

/**
 * The codes the api builds from parts (libs/domain): a milestone out of order,
 * `<kind>_before_<needed>` / `<kind>_after_<later>`, and a household's status change it may not
 * make, `<to>_from_<from>`. Named from the domain's own labels, so every combination reads.
 */
function composed(code: string): string | undefined {
  for (const kind of Object.keys(REACHED)) {
    for (const [joint, sentence] of [
      ['_before_', (other: string) => `项目尚未${REACHED[other]}，不能登记「${MILESTONE_NAMES[kind]}」`],
      ['_after_', (other: string) => `项目已${REACHED[other]}，不能再登记「${MILESTONE_NAMES[kind]}」`],
    ] as const) {
      const other = code.startsWith(`${kind}${joint}`) ? code.slice(kind.length + joint.length) : undefined;
      if (other && REACHED[other]) return sentence(other);
    }
  }
  const m = /^([a-z]+)_from_([a-z]+)$/.exec(code);
  if (m && HOUSEHOLD_STATUS_NAMES[m[1]] && HOUSEHOLD_STATUS_NAMES[m[2]]) {
    return `该户当前为「${HOUSEHOLD_STATUS_NAMES[m[2]]}」，不能变更为「${HOUSEHOLD_STATUS_NAMES[m[1]]}」`;
  }
  return undefined;
}

/** The Chinese sentence for a code, or undefined when the catalogue has none (the page then falls back on the HTTP status). */
export function knownSentence(code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(ERROR_TEXT, code) ? ERROR_TEXT[code] : composed(code);
}

/** The sentence shown for an error: what went wrong, and the field it concerns. */
export function explain(e: { status: number; code: string; field?: string; message?: string }): string {
  const http = /^http_(\d{3})$/.exec(e.code);
  const base = knownSentence(e.code)
    ?? (http && BY_STATUS[Number(http[1])])
    ?? `${BY_STATUS[e.status] ?? (e.status >= 500 ? '服务器出错' : '请求未被接受')}（${e.code}）`;
  return e.field ? `${base}：字段「${fieldName(e.field)}」` : base;
}
