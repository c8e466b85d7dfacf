import { onlyParameters, pageLimit } from '../views/list-params';
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { exportFormat, formatQueryDocs, respond, suffix, withCoverage } from '../views/export';
import { caseListSheets, caseSheets } from '../views/oversight-sheets';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { assertInScope, CASE_STATUSES, invalid, parseYuan, withinScope, type Principal } from '@yuantrace/domain';
import type { Db } from '@yuantrace/event-store';
import { APP_CONFIG, CaseService, Clock, READ_DB, type AppConfig, type RectificationInput } from '@yuantrace/ledger';
import { caseList, caseUnit, caseView, describeBasis, parseBasis } from '@yuantrace/read-models';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Responds } from '../http/openapi-schemas';
import { Caller, IdParam, unitCodeParam, type RequestCaller } from '../http/validators';
import { CursorCodec } from '../views/cursor';
import { missing } from '../views/read-access';
import { ClosureConfirmationDto, ClosureProposalDto, FindingDto, OpenCaseDto, RectificationDto } from './dto/case.dto';


/** The kind decides which fields a rectification has: the others are refused, not ignored. */
function rectificationOf(r: RectificationDto): RectificationInput {
  const base = { rectificationId: r.rectificationId, findingId: r.findingId ?? null, description: r.description ?? '', effectiveDate: r.effectiveDate };
  const present = (fields: Array<keyof RectificationDto>) => fields.find((f) => r[f] !== undefined);
  const refuse = (fields: Array<keyof RectificationDto>) => {
    const f = present(fields);
    if (f) throw invalid('unknown_field', `${f} is not a field of a ${r.kind} rectification`, f);
  };
  if (r.kind === 'funds_recovered') {
    refuse(['personName', 'measure']);
    if (r.amount === undefined) throw invalid('invalid_field', 'amount is required for money recovered', 'amount');
    return { ...base, kind: 'funds_recovered', amount: parseYuan(r.amount), paymentIds: r.paymentIds ?? [],
      returns: (r.returns ?? []).map((x) => ({ batchId: x.batchId, returnId: x.returnId })) };
  }
  refuse(['amount', 'paymentIds', 'returns']);
  if (r.kind === 'accountability') {
    if (r.personName === undefined) throw invalid('invalid_field', 'personName is required for accountability', 'personName');
    if (r.measure === undefined) throw invalid('invalid_field', 'measure is required for accountability', 'measure');
    return { ...base, kind: 'accountability', personName: r.personName, measure: r.measure };
  }
  refuse(['personName', 'measure']);
  return { ...base, kind: 'other' };
}

type CaseQuery = { asOf?: string; knownAt?: string; status?: string; overdue?: string; unitCode?: string; limit?: string; after?: string; format?: string };

/**
 * Cases (线上预警 → 线下核实 → 整改 → 销号, R-30, R-33): written by inspectors, read by inspectors
 * and auditors, each within their region. Closure is proposed by one inspector and confirmed or
 * refused by another.
 */
@ApiTags('cases')
@ApiBearerAuth()
@Controller('cases')
export class CasesController {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly cases: CaseService,
    @Inject(READ_DB) private readonly db: Db,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cursors = new CursorCodec(config.jwtSecret);
  }

  @Post()
  @Access('inspector')
  @ApiOperation({ summary: '立案：由预警（或信访举报、监督检查）立案，指定被检查单位、整改期限、是否异地交叉' })
  @Responds(201, 'caseResource', '立案后的案件 the case opened')
  async open(@Caller() caller: RequestCaller, @Body() c: OpenCaseDto) {
    return this.cases.resource(await this.cases.openCase(caller, c));
  }

  @Post(':caseId/findings')
  @Access('inspector')
  @ApiOperation({ summary: '核实：记录查实的问题（类型、金额、责任人）' })
  @Responds(201, 'caseResource', '记录后的案件 the case with the finding')
  async finding(@Caller() caller: RequestCaller, @Param('caseId', IdParam) id: string, @Body() f: FindingDto) {
    return this.cases.resource(await this.cases.recordFinding(caller, id, {
      findingId: f.findingId, findingType: f.findingType, description: f.description, amount: f.amount === undefined ? null : parseYuan(f.amount),
      responsiblePersons: f.responsiblePersons ?? [], effectiveDate: f.effectiveDate }));
  }

  @Post(':caseId/rectifications')
  @Access('inspector')
  @ApiOperation({ summary: '整改：追回资金（指向台账中的红冲支付或资金退回）、问责或其他整改' })
  @Responds(201, 'caseResource', '记录后的案件 the case with the rectification')
  async rectification(@Caller() caller: RequestCaller, @Param('caseId', IdParam) id: string, @Body() r: RectificationDto) {
    return this.cases.resource(await this.cases.recordRectification(caller, id, rectificationOf(r)));
  }

  @Post(':caseId/closure')
  @Access('inspector')
  @HttpCode(200)
  @ApiOperation({ summary: '申请销号：须有查实问题，涉及金额须全额追回或逐项说明原因；由另一名检查人员审核' })
  @Responds(200, 'caseResource', '待审核销号的案件 the case with its closure proposed')
  async propose(@Caller() caller: RequestCaller, @Param('caseId', IdParam) id: string, @Body() p: ClosureProposalDto) {
    return this.cases.resource(await this.cases.proposeClosure(caller, id, {
      comment: p.comment ?? '', shortfalls: (p.shortfalls ?? []).map((x) => ({ findingId: x.findingId, note: x.note })), effectiveDate: p.effectiveDate }));
  }

  @Post(':caseId/closure/confirmation')
  @Access('inspector')
  @HttpCode(200)
  @ApiOperation({ summary: '销号审核：申请人以外的检查人员同意销号或退回（退回须写明意见）' })
  @Responds(200, 'caseResource', '审核后的案件 the case closed, or sent back')
  async confirm(@Caller() caller: RequestCaller, @Param('caseId', IdParam) id: string, @Body() a: ClosureConfirmationDto) {
    if (!a.confirmed && !a.comment?.trim()) throw invalid('comment_required', 'a refusal says why: comment is required', 'comment');
    return this.cases.resource(await this.cases.confirmClosure(caller, id, { confirmed: a.confirmed, comment: a.comment ?? '', effectiveDate: a.effectiveDate }));
  }

  @Get(':caseId')
  @Access('inspector', 'auditor')
  @ApiOperation({ summary: '案件：问题、整改、追回金额、销号审核及完整时间线（可按 asOf / knownAt 回放）' })
  @ApiQuery({ name: 'asOf', required: false, description: '业务日期口径 YYYY-MM-DD：截至该日的案件状态' })
  @ApiQuery({ name: 'knownAt', required: false, description: '记录时点口径 ISO-8601：该时刻所记载的案件' })
  @Responds(200, 'caseView', '案件及其时间口径 the case, with the basis it was read under', { exports: true })
  @formatQueryDocs()
  async view(@CurrentPrincipal() p: Principal, @Param('caseId', IdParam) id: string, @Query() query: CaseQuery, @Req() req: Request,
    @Res({ passthrough: true }) res: Response) {
    onlyParameters(query, ['asOf', 'knownAt', 'format']);
    const basis = parseBasis(query, this.clock.now());
    // Scope first, before existence and before the time cut: outside the region it answers as an unknown id.
    const unit = await caseUnit(this.db, id);
    if (unit === undefined || !withinScope(p.scope, unit)) throw missing('case', id, false, {});
    const v = await caseView(this.db, id, basis, this.cases.today());
    if (!v) throw missing('case', id, true, basis);
    return respond(res, exportFormat(query.format, req.headers.accept), `case-${id}${suffix(basis)}`, { basis: describeBasis(basis), ...v }, () => caseSheets(v));
  }

  @Get()
  @Access('inspector', 'auditor')
  @ApiOperation({ summary: '案件清单：本辖区的案件，可按状态、是否逾期（未销号且已过整改期限）、单位筛选，分页；asOf 时按该日判断状态与逾期' })
  @ApiQuery({ name: 'status', required: false, enum: CASE_STATUSES })
  @ApiQuery({ name: 'overdue', required: false, enum: ['true', 'false'], description: '逾期：未销号且整改期限早于 asOf（或今天）' })
  @ApiQuery({ name: 'unitCode', required: false, description: '只看该单位及下级' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500，默认100；导出（csv、xlsx）未给出时为整表，至多 50,000 条' })
  @ApiQuery({ name: 'after', required: false, description: '上一页返回的 next 游标' })
  @ApiQuery({ name: 'asOf', required: false, description: '业务日期口径 YYYY-MM-DD' })
  @ApiQuery({ name: 'knownAt', required: false, description: '记录时点口径 ISO-8601' })
  @formatQueryDocs()
  @Responds(200, 'caseList', '一页案件与下一页游标 a page of cases and the next cursor', { exports: true })
  async list(@CurrentPrincipal() p: Principal, @Query() query: CaseQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    onlyParameters(query, ['asOf', 'knownAt', 'status', 'overdue', 'unitCode', 'limit', 'after', 'format'], 'list');
    const basis = parseBasis(query, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    const limit = pageLimit(query.limit, format);
    if (query.status !== undefined && !(CASE_STATUSES as readonly string[]).includes(query.status)) {
      throw invalid('invalid_status', `status must be one of ${CASE_STATUSES.join(', ')}`, 'status');
    }
    if (query.overdue !== undefined && query.overdue !== 'true' && query.overdue !== 'false') throw invalid('invalid_overdue', 'overdue must be true or false', 'overdue');
    if (query.unitCode !== undefined) {
      unitCodeParam(query.unitCode);
      assertInScope(p, query.unitCode, `unit ${query.unitCode}`);
    }
    const listing = `cases:${p.scope}:${query.unitCode ?? ''}:${query.status ?? ''}:${query.overdue ?? ''}:${query.asOf ?? ''}:${query.knownAt ?? ''}`;
    const after = query.after === undefined ? undefined : this.cursors.decode(query.after, listing);
    const page = await caseList(this.db, { scope: p.scope, unitCode: query.unitCode, status: query.status, overdue: query.overdue === undefined ? undefined : query.overdue === 'true',
      after, limit }, basis, this.cases.today());
    const body = { basis: describeBasis(basis), cases: page.cases, next: page.last === null ? null : this.cursors.encode(listing, page.last) };
    return respond(res, format, `cases${suffix(basis)}`, body, () => withCoverage(caseListSheets(page.cases), { more: page.last !== null }, page.cases.length,
      { after: query.after, next: body.next }));
  }
}
