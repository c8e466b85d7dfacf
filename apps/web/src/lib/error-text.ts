/**
 * Every error the api returns, as a Chinese sentence naming the field: the codes are mapped here
 * and nowhere else. A code without a sentence of its own still gets one from its HTTP status.
 */
export const ERROR_TEXT: Record<string, string> = {
  network: '无法连接服务器，请检查网络后重试',
  unauthenticated: '请先登录',
  invalid_token: '登录凭证无效，请重新登录',
  token_expired: '登录已过期，请重新登录',
  role_not_allowed: '您的角色无权进行此操作',
  out_of_scope: '该记录不在您的管辖范围内',
  insufficient_balance: '可用余额不足',
  approver_is_requester: '审核人不能是报账申请人本人',
};

/** The request fields, by the name the api gives them. */
export const FIELD_NAMES: Record<string, string> = {
  amount: '金额',
  effectiveDate: '业务日期',
  asOf: '业务日期（截至）',
  knownAt: '记录时点',
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

export function fieldName(field: string): string {
  const last = field.split('.').pop() ?? field;
  return FIELD_NAMES[field] ?? FIELD_NAMES[last] ?? field;
}

/** The sentence shown for an error: what went wrong, and the field it concerns. */
export function explain(e: { status: number; code: string; field?: string; message?: string }): string {
  const base = ERROR_TEXT[e.code] ?? `${BY_STATUS[e.status] ?? (e.status >= 500 ? '服务器出错' : '请求未被接受')}（${e.code}）`;
  return e.field ? `${base}：字段「${fieldName(e.field)}」` : base;
}
