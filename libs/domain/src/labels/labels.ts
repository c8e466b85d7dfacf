import type { FundSource, IssuerLevel } from '../fund-batch/fund-batch';

/**
 * Chinese names for the codes the API speaks, for exports, printed sheets and pages. Codes stay
 * the API's values (they never change); these are how people read them.
 */
export const SOURCE_NAMES: Record<FundSource, string> = {
  CENTRAL_SPECIAL_POVERTY: '中央财政专项扶贫资金', LOTTERY_WELFARE: '中央专项彩票公益金', PROVINCIAL_POVERTY: '省级财政扶贫资金',
  CITY_MATCHING: '市级配套资金', COUNTY_BUDGET: '县级财政专项扶贫资金', SECTOR_AGRI: '行业扶贫（涉农）资金', WORK_FOR_RELIEF: '以工代赈资金',
  ETHNIC_DEVELOPMENT: '少数民族发展资金', PAIRING_UNIT: '帮扶单位资金', CADRE_DONATION: '干部结对帮扶资金', SOCIAL_DONATION: '社会捐助资金',
  ENTERPRISE_INKIND: '企业援建', HOUSEHOLD_SELF_FUNDED: '农民自筹', INTEREST_SUBSIDY: '扶贫贷款贴息', WORK_TEAM_FUNDING: '驻村工作队经费',
  SOCIAL_ASSISTANCE: '社会救助资金', INSURANCE: '保险赔付', ASSET_INCOME: '资产收益',
};

export const ISSUER_LEVEL_NAMES: Record<IssuerLevel, string> = {
  CENTRAL: '中央', PROVINCIAL: '省级', CITY: '市级', COUNTY: '县级', TOWNSHIP: '乡镇', VILLAGE: '村级', NON_GOV: '非政府',
};

export const BATCH_STATUS_NAMES = { open: '在用', closed: '已关闭', voided: '已撤销' } as const;

export const PAYMENT_STATUS_NAMES: Record<string, string> = {
  requested: '待审核', approved: '已审核', rejected: '已驳回', executed: '已支付', failed: '退票', reversed: '已追回',
};

/**
 * Whether a payment's record is the ledger's own or migrated from the old system (`migrated`): a
 * migrated payment moved no money here and is in no figure, though listed with the status it had.
 */
export const MIGRATED_NAMES: Record<string, string> = { false: '本账', true: '旧系统迁移（未经本账拨付，不计入金额）' };

/** A code's Chinese name, or the code itself when there is none (a value recorded before a name existed). */
export const nameOf = (names: Record<string, string>, code: unknown): string => names[String(code)] ?? String(code ?? '');

export const INSTALLMENT_NAMES: Record<string, string> = { advance: '预付款', progress: '进度款', final: '尾款', single: '一次性' };
export const CHANNEL_NAMES: Record<string, string> = {
  treasury_direct: '国库集中支付', bank_transfer: '银行转账', one_card: '一卡通（一折通）', cash: '现金', in_kind: '实物',
};
export const PAYEE_TYPE_NAMES: Record<string, string> = { household: '农户', contractor: '施工单位', collective: '村集体', enterprise: '企业', person: '个人' };
export const MILESTONE_NAMES: Record<string, string> = {
  proposed: '申报', approved: '立项', publicized: '公示', tendered: '招标', contracted: '合同', started: '开工', progress: '进度', completed: '竣工',
  accepted: '验收', handed_over: '资产移交',
};
export const PROJECT_TYPE_NAMES: Record<string, string> = {
  ROAD: '道路', WATER: '饮水', HOUSING: '危房改造', RELOCATION: '易地搬迁', GRID: '电网', ENVIRONMENT: '人居环境', INDUSTRY: '产业', PHOTOVOLTAIC: '光伏',
  TOURISM: '乡村旅游', ECOMMERCE: '电商', FINANCE: '金融扶贫', LABOUR: '就业', EDUCATION: '教育', HEALTH: '健康', CULTURE: '文化', SOCIAL_SECURITY: '社会保障',
  VILLAGE_FACILITY: '村级设施', ECOLOGY: '生态', RELIEF: '救助', TRAINING_TECH: '培训',
};
export const DISPOSAL_NAMES: Record<string, string> = { none: '无结余', returned: '结余退回', carriedOver: '结余结转' };
/** Cases (问题线索 → 核实 → 整改 → 销号): statuses, findings, rectifications and measures (libs/domain/src/case/case.ts). */
export const CASE_STATUS_NAMES: Record<string, string> = { open: '已立案', verifying: '核实中', rectifying: '整改中', closure_proposed: '待销号审核', closed: '已销号' };
export const CASE_SOURCE_NAMES: Record<string, string> = { alert: '线上预警', complaint: '信访举报', inspection: '监督检查' };
export const FINDING_TYPE_NAMES: Record<string, string> = {
  WITHHOLDING: '截留', CROWDING_OUT: '挤占', DIVERSION: '挪用', FALSE_REPORTING: '虚报', FRAUDULENT_CLAIM: '冒领', SQUANDERING: '挥霍浪费', FAVOURITISM: '优亲厚友',
  FORMALISM: '形式主义', DATA_INACCURACY: '数据不实', NEGLIGENCE: '失职失责',
};
export const RECTIFICATION_KIND_NAMES: Record<string, string> = { funds_recovered: '追回资金', accountability: '问责', other: '其他整改' };
export const ACCOUNTABILITY_MEASURE_NAMES: Record<string, string> = {
  ADMONISHMENT: '诫勉谈话', CIRCULATED_CRITICISM: '通报批评', WARNING: '警告', SERIOUS_WARNING: '严重警告', DISMISSAL: '撤职', TRANSFERRED_TO_JUDICIARY: '移送司法机关',
};
/** Households (建档立卡): status, category (识别属性), cause of poverty (致贫原因), member relation. */
export const HOUSEHOLD_STATUS_NAMES: Record<string, string> = { registered: '在册', exited: '已脱贫', relapsed: '返贫', removed: '已剔除' };
export const HOUSEHOLD_CATEGORY_NAMES: Record<string, string> = {
  general: '一般贫困户', dibao_poor: '低保贫困户', dibao_only: '低保户', wubao: '特困供养（五保）户', social_relief: '社会救助户',
};
export const POVERTY_CAUSE_NAMES: Record<string, string> = {
  ILLNESS: '因病', DISABILITY: '因残', EDUCATION: '因学', DISASTER: '因灾', LACK_OF_LABOUR: '缺劳力', LACK_OF_SKILLS: '缺技术', LACK_OF_CAPITAL: '缺资金',
  FOOD_SHORTAGE: '缺粮', UNSAFE_HOUSING: '住房不安全', REMOTENESS: '交通条件落后', MARKET_RISK: '市场风险', OTHER: '其他',
};
export const RELATION_NAMES: Record<string, string> = {
  head: '户主', spouse: '配偶', child: '子女', parent: '父母', grandchild: '孙辈', grandparent: '祖父母', sibling: '兄弟姐妹', child_in_law: '儿媳/女婿', other: '其他',
};
export const UNIT_LEVEL_NAMES: Record<string, string> = { national: '全国', province: '省', city: '市', county: '县', township: '乡镇', village: '村' };
export const SEVERITY_NAMES: Record<string, string> = { red: '红', yellow: '黄', blue: '蓝' };
/** Red-flag alerts: what an alert is about, and where its handling stands (its case's status). */
export const ALERT_SUBJECT_NAMES: Record<string, string> = { payment: '支付', batch: '资金批次', household: '农户', account: '银行账户', project: '项目' };
export const ALERT_STATUS_NAMES: Record<string, string> = { open: '未处置', in_case: '核查中', closed: '已销号' };
