import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import {
  assertId, BATCH_STATUS_NAMES, CHANNEL_NAMES, CHANNELS, invalid, FUND_SOURCES, HOUSEHOLD_CATEGORIES, HOUSEHOLD_CATEGORY_NAMES, HOUSEHOLD_STATUS_NAMES, MIGRATED_NAMES,
  INSTALLMENT_NAMES, MILESTONE_NAMES, PAYEE_TYPE_NAMES, PAYEE_TYPES, PAYMENT_STATUS_NAMES, PROJECT_TYPE_NAMES, PROJECT_TYPES, shanghaiToday, SOURCE_NAMES,
  validateIdNumber, type Principal,
} from '@yuantrace/domain';
import { EventStore, formatPosition, parsePosition, type Db } from '@yuantrace/event-store';
import type { AppConfig } from '@yuantrace/ledger';
import { APP_CONFIG, Clock, PersonalDataVault, READ_DB } from '@yuantrace/ledger';
import {
  BATCH_SORTS, BATCH_STATUSES, describeBasis, findEvents, HOUSEHOLD_LIST_STATUSES, HOUSEHOLD_SORTS, householdsByIdentityRef, listBatches, listHouseholds,
  listPayments, listProjects, parseBasis, PAYMENT_SORTS, PAYMENT_STATUSES, paymentsByAccountRef, PROJECT_SORTS, PROJECT_STAGES, unitPrefix } from '@yuantrace/read-models';
import type { Request, Response } from 'express';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Responds } from '../http/openapi-schemas';
import { CursorCodec } from './cursor';
import { exportFormat, respond, sheet, suffix, withCoverage } from './export';
import { readIndexedEvents, renderEvent } from './indexed-events';
import { ListQuery, pageInfo, regionOf } from './list-params';
import { eventSheets } from './view-sheets';

const COMMON = ['asOf', 'knownAt', 'format', 'limit', 'offset', 'sort'];

const listDocs = (sorts: readonly string[], filters: Array<[string, string]>) => (target: object, key: string, d: PropertyDescriptor) => {
  for (const [name, description] of [
    ['asOf', '业务日期口径 YYYY-MM-DD：截至该日已发生的事项（按现在所知）'], ['knownAt', '记录时点口径 ISO-8601：该时刻账上所载（更正之前）'],
    ['limit', '每页条数 1–500，默认100；导出（csv、xlsx）未给出时为整表，至多 50,000 条'], ['offset', '从第几条开始（0起），见 nextOffset'], ['sort', `排序：${sorts.join(', ')}；前加 - 为降序`],
    ['format', '导出：json、csv 或 xlsx'], ...filters,
  ]) ApiQuery({ name, required: false, description })(target, key, d);
};

class IdentityLookupDto {
  @ApiProperty({ description: '身份证号（只放在请求体中，不进网址）', example: '990101197001010018' })
  @IsString()
  idNumber: string;
}

class AccountLookupDto {
  @ApiProperty({ description: '银行账号（只放在请求体中，不进网址）', example: '6222000011115555' })
  @IsString() @Matches(/^[0-9A-Za-z-]{4,40}$/, { message: 'account must be 4–40 letters or digits' })
  account: string;
}

/**
 * Lists for the people who work through many records at once (an inspector's region, a clerk's
 * queue), lookups of a person or an account, and one official's activity. Every list is read
 * within the reader's region, under the basis it states, and pages with a total.
 */
@ApiTags('lists')
@ApiBearerAuth()
@Controller()
export class ListsController {
  private readonly cursors: CursorCodec;

  constructor(
    @Inject(READ_DB) private readonly db: Db,
    private readonly store: EventStore,
    private readonly vault: PersonalDataVault,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cursors = new CursorCodec(config.jwtSecret);
  }

  @Get('payments')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @Responds(200, 'paymentList', '一页支付、总数及时间口径 a page of payments, the total, and the basis', { exports: true })
  @ApiOperation({ summary: '支付列表：按状态（按口径）、项目、收款人、申请人、审核人、渠道、日期、金额、单位筛选；queue=mine 为待我审核（不含本人申请）' })
  @listDocs(PAYMENT_SORTS, [['status', PAYMENT_STATUSES.join(', ')], ['queue', 'mine：截至口径仍待审核、且不是本人申请的支付'], ['projectId', ''], ['payeeId', ''],
    ['payeeType', PAYEE_TYPES.join(', ')], ['requestedBy', '申请人'], ['approvedBy', '审核通过人'], ['channel', CHANNELS.join(', ')], ['dateFrom', '申请业务日期起'],
    ['dateTo', '申请业务日期止'], ['amountMin', '元'], ['amountMax', '元'], ['unitCode', '辖区内的单位，默认本人辖区']])
  async payments(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const q = new ListQuery(query, [...COMMON, 'status', 'queue', 'projectId', 'payeeId', 'payeeType', 'requestedBy', 'approvedBy', 'channel', 'dateFrom', 'dateTo',
      'amountMin', 'amountMax', 'unitCode']);
    const basis = parseBasis(query, this.clock.now());
    const format = exportFormat(q.text('format'), req.headers.accept);
    const queue = q.oneOf('queue', ['mine'] as const);
    const status = q.oneOf('status', PAYMENT_STATUSES);
    if (queue && status && status !== 'requested') throw badCombination('status', 'the queue holds requests waiting for a decision: status can only be requested');
    const page = q.page(PAYMENT_SORTS, queue ? 'effectiveDate' : '-effectiveDate', format);
    const list = await listPayments(this.db, {
      unitPrefix: regionOf(p, q.text('unitCode')), status, projectId: q.id('projectId'), payeeId: q.id('payeeId'), payeeType: q.oneOf('payeeType', PAYEE_TYPES),
      requestedBy: q.id('requestedBy'), approvedBy: q.id('approvedBy'), channel: q.oneOf('channel', CHANNELS), dateFrom: q.date('dateFrom'), dateTo: q.date('dateTo'),
      amountMinFen: q.fen('amountMin'), amountMaxFen: q.fen('amountMax'), queueFor: queue ? p.id : undefined,
    }, page, basis);
    const accounts = await this.vault.revealFor(p, list.items.map((i) => i.payee.accountRef!));
    const items = list.items.map(({ payee: { accountRef, ...payee }, ...i }) => ({ ...i, payee: { ...payee, account: accounts.get(accountRef!) ?? payee.account } }));
    const body = { basis: describeBasis(basis), ...pageInfo(page, list.total), items };
    return respond(res, format, `payments${queue ? '-queue' : ''}${suffix(basis)}`, body, () => withCoverage([sheet('支付', [
      ['paymentId', '支付编号'], ['projectId', '项目'], ['unitCode', '单位'], ['status', '状态', PAYMENT_STATUS_NAMES], ['payeeType', '收款人类型', PAYEE_TYPE_NAMES], ['payeeId', '收款人编号'], ['payeeName', '收款人'],
      ['account', '账号'], ['amount', '金额(元)'], ['installment', '支付阶段', INSTALLMENT_NAMES], ['effectiveDate', '申请日期'], ['requestedBy', '申请人'], ['decidedBy', '审核人'], ['channel', '渠道', CHANNEL_NAMES],
      ['migrated', '记录来源', MIGRATED_NAMES]],
    items.map((i) => ({ ...i, payeeType: i.payee.type, payeeId: i.payee.id, payeeName: i.payee.name, account: i.payee.account })))], list.total, items.length, page));
  }

  @Get('projects')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @Responds(200, 'projectList', '一页项目、总数及时间口径 a page of projects, the total, and the basis', { exports: true })
  @ApiOperation({ summary: '项目列表：按单位、类型、阶段（按口径）、计划开工年度筛选' })
  @listDocs(PROJECT_SORTS, [['unitCode', '辖区内的单位，默认本人辖区'], ['type', PROJECT_TYPES.join(', ')], ['stage', PROJECT_STAGES.join(', ')], ['year', '计划开工年度']])
  async projects(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const q = new ListQuery(query, [...COMMON, 'unitCode', 'type', 'stage', 'year']);
    const basis = parseBasis(query, this.clock.now());
    const format = exportFormat(q.text('format'), req.headers.accept);
    const page = q.page(PROJECT_SORTS, 'projectId', format);
    const list = await listProjects(this.db, { unitPrefix: regionOf(p, q.text('unitCode')), type: q.oneOf('type', PROJECT_TYPES), stage: q.oneOf('stage', PROJECT_STAGES),
      year: q.year('year') }, page, basis);
    const body = { basis: describeBasis(basis), ...pageInfo(page, list.total), items: list.items };
    return respond(res, format, `projects${suffix(basis)}`, body, () => withCoverage([sheet('项目', [['projectId', '项目编号'], ['name', '名称'], ['type', '类型', PROJECT_TYPE_NAMES], ['unitCode', '单位'],
      ['implementer', '实施单位'], ['budget', '预算(元)'], ['plannedStart', '计划开工'], ['plannedEnd', '计划完工'], ['stage', '阶段', MILESTONE_NAMES]], list.items)], list.total, list.items.length, page));
  }

  @Get('fund-batches')
  @Access('finance', 'approver', 'inspector', 'auditor')
  @Responds(200, 'batchList', '一页资金批次、总数及时间口径 a page of fund batches, the total, and the basis', { exports: true })
  @ApiOperation({ summary: '资金批次列表：按接收单位、来源、年度、状态筛选；unspentOnly=true 只列仍有结余的批次，并给出结余及自何日起（资金到达之日）' })
  @listDocs(BATCH_SORTS, [['unitCode', '接收单位（辖区内），默认本人辖区'], ['source', FUND_SOURCES.join(', ')], ['fiscalYear', '年度'], ['status', BATCH_STATUSES.join(', ')],
    ['unspentOnly', 'true：只列仍有结余的批次']])
  async batches(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const q = new ListQuery(query, [...COMMON, 'unitCode', 'source', 'fiscalYear', 'status', 'unspentOnly']);
    const basis = parseBasis(query, this.clock.now());
    const format = exportFormat(q.text('format'), req.headers.accept);
    const page = q.page(BATCH_SORTS, 'batchId', format);
    const list = await listBatches(this.db, { unitPrefix: regionOf(p, q.text('unitCode')), source: q.oneOf('source', FUND_SOURCES), fiscalYear: q.year('fiscalYear'),
      status: q.oneOf('status', BATCH_STATUSES), unspentOnly: q.flag('unspentOnly') }, page, basis, shanghaiToday(this.clock.now()));
    const body = { basis: describeBasis(basis), ...pageInfo(page, list.total), items: list.items };
    return respond(res, format, `fund-batches${suffix(basis)}`, body, () => withCoverage([sheet('资金批次', [['batchId', '批次编号'], ['documentNo', '文号'], ['title', '名称'],
      ['source', '来源', SOURCE_NAMES], ['recipientUnitCode', '接收单位'], ['fiscalYear', '年度'], ['amount', '金额(元)'], ['effectiveDate', '到达日期'], ['status', '状态', BATCH_STATUS_NAMES],
      ['unspent', '结余 (balance)(元)'], ['unspentSince', '结余自'], ['ageDays', '天数']], list.items)], list.total, list.items.length, page));
  }

  @Get('households')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @Responds(200, 'householdList', '一页农户、总数及时间口径 a page of households, the total, and the basis', { exports: true })
  @ApiOperation({ summary: '农户列表：按单位、状态（按口径）、类别、户主姓名（部分匹配）筛选；身份证号按角色打码' })
  @listDocs(HOUSEHOLD_SORTS, [['unitCode', '辖区内的单位，默认本人辖区'], ['status', HOUSEHOLD_LIST_STATUSES.join(', ')], ['category', HOUSEHOLD_CATEGORIES.join(', ')],
    ['name', '户主姓名的一部分']])
  async households(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const q = new ListQuery(query, [...COMMON, 'unitCode', 'status', 'category', 'name']);
    const basis = parseBasis(query, this.clock.now());
    const format = exportFormat(q.text('format'), req.headers.accept);
    const page = q.page(HOUSEHOLD_SORTS, 'householdId', format);
    const list = await listHouseholds(this.db, { unitPrefix: regionOf(p, q.text('unitCode')), status: q.oneOf('status', HOUSEHOLD_LIST_STATUSES),
      category: q.oneOf('category', HOUSEHOLD_CATEGORIES), name: q.text('name') }, page, basis);
    const ids = await this.vault.revealFor(p, list.items.flatMap((i) => (i.head ? [i.head.idRef] : [])));
    const items = list.items.map((i) => ({ ...i, head: i.head && { name: i.head.name, idNumber: ids.get(i.head.idRef) ?? i.head.idMasked } }));
    const body = { basis: describeBasis(basis), ...pageInfo(page, list.total), items };
    return respond(res, format, `households${suffix(basis)}`, body, () => withCoverage([sheet('农户', [['householdId', '农户编号'], ['unitCode', '村'], ['headName', '户主'],
      ['headIdNumber', '户主身份证号'], ['category', '类别', HOUSEHOLD_CATEGORY_NAMES], ['status', '状态', HOUSEHOLD_STATUS_NAMES], ['memberCount', '人数'], ['registeredOn', '建档日期']],
    items.map((i) => ({ ...i, headName: i.head?.name, headIdNumber: i.head?.idNumber })))], list.total, items.length, page));
  }

  @Post('lookups/identity')
  @HttpCode(200)
  @Access('inspector', 'auditor', 'finance')
  @Responds(200, 'identityLookup', '辖区内持有该身份证号的农户成员 the households in the reader\'s region with a member of this identity number')
  @ApiOperation({ summary: '按身份证号查找（号码只在请求体中）：辖区内哪些农户有此成员；只按密钥哈希比对，不新存号码' })
  async lookupIdentity(@CurrentPrincipal() p: Principal, @Body() body: IdentityLookupDto) {
    const { idNumber } = validateIdNumber(body.idNumber, 'idNumber');
    // refOf derives the keyed hash without storing anything: a lookup leaves no trace of the number in the vault.
    const ref = this.vault.refOf('id_number', idNumber);
    const found = await householdsByIdentityRef(this.db, ref, unitPrefix(p.scope));
    const shown = await this.vault.revealFor(p, found.length ? [ref] : [], new Map([[ref, idNumber]]));
    return {
      households: found.map(({ member: { idMasked, ...member }, ...h }) => ({ ...h, member: { ...member, idNumber: shown.get(ref) ?? idMasked } })),
    };
  }

  @Post('lookups/account')
  @HttpCode(200)
  @Access('inspector', 'auditor', 'finance')
  @Responds(200, 'accountLookup', '辖区内付往该账号的支付及收款人 the payments in the reader\'s region paid to this account, and their payees')
  @ApiOperation({ summary: '按银行账号查找（账号只在请求体中）：辖区内付往此账号的支付、收款人及农户；只按密钥哈希比对，不新存账号' })
  async lookupAccount(@CurrentPrincipal() p: Principal, @Body() body: AccountLookupDto) {
    const ref = this.vault.refOf('account', body.account);
    const payments = await paymentsByAccountRef(this.db, ref, unitPrefix(p.scope));
    const shown = await this.vault.revealFor(p, payments.length ? [ref] : [], new Map([[ref, body.account]]));
    const payees = new Map<string, { type: string; id: string; name: string }>();
    for (const x of payments) payees.set(`${x.payee.type}:${x.payee.id}`, x.payee);
    return {
      payments: payments.map(({ accountMasked, ...x }) => ({ ...x, account: shown.get(ref) ?? accountMasked })),
      payees: [...payees.values()],
      households: [...new Set(payments.flatMap((x) => (x.householdId ? [x.householdId] : [])))],
    };
  }

  @Get('actors/:principalId/activity')
  @Access('inspector', 'auditor')
  @Responds(200, 'activity', '该人员记录的每个事件，按记录顺序 every event the official recorded, in recorded order', { exports: true })
  @ApiOperation({ summary: '经办记录：某人员在辖区内记录的每个事件（申请、审核、拨付、分配……），按记录顺序分页，可按口径截取' })
  @ApiQuery({ name: 'asOf', required: false, description: '业务日期口径 YYYY-MM-DD' })
  @ApiQuery({ name: 'knownAt', required: false, description: '记录时点口径 ISO-8601' })
  @ApiQuery({ name: 'after', required: false, description: '上一页返回的 next 游标' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500，默认100' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'] })
  async activity(@CurrentPrincipal() p: Principal, @Param('principalId') principalId: string, @Query() query: Record<string, unknown>, @Req() req: Request,
    @Res({ passthrough: true }) res: Response) {
    const actor = assertId(principalId, 'principalId');
    const q = new ListQuery(query, ['asOf', 'knownAt', 'after', 'limit', 'format']);
    const basis = parseBasis(query, this.clock.now());
    const format = exportFormat(q.text('format'), req.headers.accept);
    const limit = q.page(['position'], 'position').limit;
    const listing = `activity:${actor}:${JSON.stringify(describeBasis(basis))}`;
    const after = q.text('after');
    const from = after === undefined ? undefined : parsePosition(this.cursors.decode(after, listing));
    const found = await findEvents(this.db, { unitPrefix: unitPrefix(p.scope), actor, basis }, from, limit, true);
    const events = (await readIndexedEvents(this.store, found.events)).map(renderEvent);
    const last = found.events[found.events.length - 1];
    const body = { basis: describeBasis(basis), principalId: actor, total: found.total ?? 0, events,
      next: found.events.length === limit && last ? this.cursors.encode(listing, formatPosition(last.position)) : null };
    // A page of the activity, read by cursor: a file of one page among more says so, as a partial list export does.
    return respond(res, format, `activity-${actor}${suffix(basis)}`, body, () => withCoverage(eventSheets(events), body.total, events.length, { after, next: body.next }));
  }
}

const badCombination = (field: string, message: string) => invalid('conflicting_parameters', message, field);

