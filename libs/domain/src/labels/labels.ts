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

/** A code's Chinese name, or the code itself when there is none (a value recorded before a name existed). */
export const nameOf = (names: Record<string, string>, code: unknown): string => names[String(code)] ?? String(code ?? '');
