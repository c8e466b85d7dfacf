import { latestCheckpoint } from '@yuantrace/seal';
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { withinScope, type Principal } from '@yuantrace/domain';
import type { Db } from '@yuantrace/event-store';
import {
  batchFlow, batchView, describeBasis, disclosure, householdReading, parseBasis, paymentTraceReading, paymentView,
  projectView, unitSummary,
} from '@yuantrace/read-models';
import type { Request, Response } from 'express';
import { Access, Public } from '../auth/access.decorator';
import { assertInScope } from '@yuantrace/domain';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { IdParam, unitCodeParam } from '../http/validators';
import { Clock, READ_DB } from '@yuantrace/ledger';
import { PersonalDataVault } from '@yuantrace/ledger';
import { exportFormat, formatQueryDocs, respond, suffix, withCoverage } from './export';
import { MAX_LIMIT, onlyParameters, PROJECT_PAYMENTS, projectPaymentsPage } from './list-params';
import { Responds } from '../http/openapi-schemas';
import { batchSheets, disclosureSheets, flowSheets, householdSheets, paymentSheets, projectSheets, summarySheets, traceSheets } from './view-sheets';
import { missing, placeInScope, placeUnitInScope } from './read-access';

type BasisQuery = { asOf?: string; knownAt?: string; format?: string };
const VIEW_PARAMETERS = ['asOf', 'knownAt', 'format'];
type ProjectQuery = BasisQuery & { paymentsOffset?: string; paymentsLimit?: string };
/**
 * The basis a view is read under. A parameter a view does not know is refused, as the lists refuse
 * one: `?asof=2016-01-01` answered today's figures as though they were that day's.
 */
function viewBasis(query: BasisQuery, now: Date, more: readonly string[] = []) {
  onlyParameters(query, [...VIEW_PARAMETERS, ...more]);
  return parseBasis(query, now);
}
const basisDocs = () => (target: object, key: string, d: PropertyDescriptor) => {
  ApiQuery({ name: 'asOf', required: false, description: '业务日期口径 YYYY-MM-DD：截至该日已发生的事项（按现在所知）' })(target, key, d);
  ApiQuery({ name: 'knownAt', required: false, description: '记录时点口径 ISO-8601：该时刻账上所载（更正之前）' })(target, key, d);
  formatQueryDocs()(target, key, d);
};

@ApiTags('views')
@ApiBearerAuth()
@Controller()
export class ViewsController {
  constructor(
    @Inject(READ_DB) private readonly db: Db,
    private readonly vault: PersonalDataVault,
    // The clock commands are dated by: a basis is in the future by the same clock.
    private readonly clock: Clock,
  ) {}

  /** Reveals payee accounts for readers who may see them; everyone else keeps the masked form. */
  private async revealAccounts<T extends { payee: { accountRef?: string; account: string } }>(principal: Principal | undefined, items: T[],
    revealed?: ReadonlyMap<string, string>) {
    // Values the reading revealed already (revealSqlFor) need no second look-up.
    const accounts = revealed ?? await this.vault.revealFor(principal, items.map((i) => i.payee.accountRef!).filter(Boolean));
    for (const i of items) {
      i.payee.account = (i.payee.accountRef && accounts.get(i.payee.accountRef)) || i.payee.account;
      delete i.payee.accountRef;
    }
  }

  @Get('fund-batches/:batchId')
  @Responds(200, 'batchView', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Access('finance', 'approver', 'inspector', 'auditor')
  @ApiOperation({ summary: '资金批次：状态、收到下达、下拨、安排项目、退回、冻结、支付、结余（口径见 README 指标表），分配明细，上下级批次' })
  @basisDocs()
  async batch(@CurrentPrincipal() p: Principal, @Param('batchId', IdParam) id: string, @Query() query: BasisQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    await placeInScope(this.db, p, 'fund batch', id);
    const v = await batchView(this.db, id, basis, p.scope);
    if (!v) throw missing('fund batch', id, true, basis);
    return respond(res, format, `batch-${id}${suffix(basis)}`, { basis: describeBasis(basis), ...v }, () => batchSheets(v));
  }

  @Get('fund-batches/:batchId/flow')
  @Responds(200, 'flow', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Access('finance', 'approver', 'inspector', 'auditor')
  @ApiOperation({ summary: '资金流向：下游每个子批次、项目和收款人，精确到分，并列出各节点结余' })
  @basisDocs()
  async flow(@CurrentPrincipal() p: Principal, @Param('batchId', IdParam) id: string, @Query() query: BasisQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    await placeInScope(this.db, p, 'fund batch', id);
    // The flow starts from the batch as of the basis: none means the batch was not there yet.
    const flow = await batchFlow(this.db, id, basis);
    if (!flow) throw missing('fund batch', id, true, basis);
    return respond(res, format, `flow-${id}${suffix(basis)}`, { basis: describeBasis(basis), flow }, () => flowSheets(flow));
  }

  @Get('projects/:projectId')
  @Responds(200, 'projectView', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '项目：阶段与里程碑、预算、按来源的资金安排、冻结、已付、结余、支付明细' })
  @basisDocs()
  @ApiQuery({ name: 'paymentsOffset', required: false, description: '支付明细从第几笔起（0 起），按申请日期、支付编号排序' })
  @ApiQuery({ name: 'paymentsLimit', required: false,
    description: `支付明细每页笔数 1–${MAX_LIMIT}，默认 ${PROJECT_PAYMENTS}；导出（csv、xlsx）未给出时为全部，至多 50,000 笔` })
  async project(@CurrentPrincipal() p: Principal, @Param('projectId', IdParam) id: string, @Query() query: ProjectQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now(), ['paymentsOffset', 'paymentsLimit']);
    const format = exportFormat(query.format, req.headers.accept);
    const page = projectPaymentsPage(query, format);
    await placeInScope(this.db, p, 'project', id);
    const v = await projectView(this.db, id, basis, page);
    if (!v) throw missing('project', id, true, basis);
    await this.revealAccounts(p, v.payments);
    return respond(res, format, `project-${id}${suffix(basis)}`, { basis: describeBasis(basis), ...v },
      () => withCoverage(projectSheets(v), v.paymentCount, v.payments.length, { offset: page.offset, offsetParameter: 'paymentsOffset' }));
  }

  @Get('payments/:paymentId')
  @Responds(200, 'paymentView', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '支付：申请信息、状态历史（每一步的业务日期与记录时间）、渠道与银行流水号、重新支付的关联' })
  @basisDocs()
  async payment(@CurrentPrincipal() p: Principal, @Param('paymentId', IdParam) id: string, @Query() query: BasisQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    await placeInScope(this.db, p, 'payment', id);
    const v = await paymentView(this.db, id, basis);
    if (!v) throw missing('payment', id, true, basis);
    await this.revealAccounts(p, [v]);
    return respond(res, format, `payment-${id}${suffix(basis)}`, { basis: describeBasis(basis), ...v }, () => paymentSheets(v));
  }

  @Get('payments/:paymentId/trace')
  @Responds(200, 'trace', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '上溯：支付 → 资金分配 → 批次 → 上级批次 → 源头拨款（每一环的文号）' })
  @basisDocs()
  async trace(@CurrentPrincipal() p: Principal, @Param('paymentId', IdParam) id: string, @Query() query: BasisQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    // The payment's region, its trace and (for a reader the vault lets see it) the payee's account in one
    // read; the scope still decides first what is answered.
    const { unit, trace, revealed } = await paymentTraceReading(this.db, id, basis, this.vault.revealSqlFor(p));
    placeUnitInScope(p, 'payment', id, unit);
    if (!trace) throw missing('payment', id, true, basis);
    await this.revealAccounts(p, [trace.payment], revealed);
    return respond(res, format, `trace-${id}${suffix(basis)}`, { basis: describeBasis(basis), ...trace }, () => traceSheets(trace));
  }

  @Get('admin-units/:code/summary')
  @Responds(200, 'summary', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '区域汇总：本级及下级的收到下达、退回、下拨、安排项目、冻结、支付、结余、覆盖农户，按来源和年度' })
  @basisDocs()
  async summary(@CurrentPrincipal() p: Principal, @Param('code') code: string, @Query() query: BasisQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    unitCodeParam(code);
    assertInScope(p, code, `unit ${code}`);
    const s = await unitSummary(this.db, code, basis);
    if (!s) throw missing('admin unit', code, false, basis);
    return respond(res, format, `summary-${code}${suffix(basis)}`, { basis: describeBasis(basis), ...s }, () => summarySheets(s));
  }

  @Get('households/:householdId')
  @Responds(200, 'householdView', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '农户：档案（按角色打码）、状态历史、每笔到户资金及其来源链、按年度/来源/项目类型合计' })
  @basisDocs()
  async household(@CurrentPrincipal() p: Principal, @Param('householdId', IdParam) id: string, @Query() query: BasisQuery, @Req() req: Request,
    @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    // The household's region, its view and (for a reader the vault lets see them) its members' identity
    // numbers in one read; the scope still decides first what is answered.
    const { unit, view: v, revealed: ids } = await householdReading(this.db, id, basis, this.vault.revealSqlFor(p));
    placeUnitInScope(p, 'household', id, unit);
    if (!v) throw missing('household', id, true, basis);
    const members = v.members.map(({ idRef, idMasked, ...m }) => ({ ...(m as { name: string; relation: string; birthYear: number }),
      idNumber: ids.get(String(idRef)) ?? String(idMasked) }));
    return respond(res, format, `household-${id}${suffix(basis)}`, { basis: describeBasis(basis), ...v, members }, () => householdSheets(v, members));
  }

  @Get('disclosure/units/:code')
  @Responds(200, 'disclosure', '视图及其时间口径 the view, with the basis it was read under', { exports: true })
  @Public()
  @ApiOperation({ summary: '公示：某村（或任一单位）的项目、资金来源与收款人；身份与账号对公众打码' })
  @basisDocs()
  async disclosure(@CurrentPrincipal() p: Principal | undefined, @Param('code') code: string, @Query() query: BasisQuery, @Req() req: Request,
    @Res({ passthrough: true }) res: Response) {
    const basis = viewBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    unitCodeParam(code);
    const d = await disclosure(this.db, code, basis);
    if (!d) throw missing('admin unit', code, false, basis);
    // A public route: personal data is revealed only to a reader whose role and region both allow it.
    await this.revealAccounts(p && withinScope(p.scope, code) ? p : undefined, d.projects.flatMap((x) => x.payments));
    // The notice carries the log's newest signed checkpoint (under knownAt, the newest signed by then):
    // a printed 公示 fixes the log as of that day.
    const sealedLog = (await latestCheckpoint(this.db, basis.knownAt)) ?? null;
    return respond(res, format, `disclosure-${code}${suffix(basis)}`, { basis: describeBasis(basis), ...d, sealedLog }, () => disclosureSheets(d));
  }
}
