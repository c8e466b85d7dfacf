import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  BENEFIT_PROJECT_TYPES, invalid, notFound, RED_FLAG_RULES, ruleInForce, ROSTER_ROLE_LABELS, rosterDecider, ruleSetInForce, SEVERITY_LABELS, shanghaiToday, Streams, withinScope, type Principal,
  type RosterEvent,
} from '@yuantrace/domain';
import { EventStore, type Db } from '@yuantrace/event-store';
import { APP_CONFIG, Clock, OversightService, PersonalDataVault, READ_DB, type AppConfig } from '@yuantrace/ledger';
import { alertsByIds, describeBasis, listAlerts, parseBasis, ruleSetVersionsKnown } from '@yuantrace/read-models';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Responds } from '../http/openapi-schemas';
import { Caller, IdParam, type RequestCaller } from '../http/validators';
import type { Request, Response } from 'express';
import { exportFormat, formatQueryDocs, respond, suffix, withCoverage } from '../views/export';
import { ListQuery, onlyParameters, pageLimit, regionOf } from '../views/list-params';
import { alertListSheets, alertSheets, paymentRuleSheets, redFlagRuleSetSheets, rosterSheets } from '../views/oversight-sheets';
import { missing } from '../views/read-access';
import { RosterLeavingDto, RosterPersonDto, RuleSetVersionDto } from './alerts.dto';

const ALERT_QUERY = ['asOf', 'knownAt', 'unitCode', 'ruleId', 'variant', 'severity', 'subjectKind', 'subjectId', 'status', 'limit', 'after', 'format'];

/** The inspector's desk: red-flag alerts, the rule set they are judged by, and the roster behind. */
@ApiTags('red flags')
@ApiBearerAuth()
@Controller()
export class AlertsController {
  constructor(
    @Inject(READ_DB) private readonly db: Db,
    private readonly oversight: OversightService,
    private readonly vault: PersonalDataVault,
    private readonly clock: Clock,
    private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private today() {
    return shanghaiToday(this.clock.now());
  }

  @Get('alerts')
  @Access('inspector', 'auditor', 'finance')
  @Responds(200, 'alertList', '预警清单 a page of alerts, newest first, with totals by severity', { exports: true })
  @ApiOperation({ summary: '预警清单：截至 asOf、按 knownAt 所知，在当日有效的规则版本下成立的预警（可按规则、等级、对象、区域筛选）' })
  @ApiQuery({ name: 'asOf', required: false }) @ApiQuery({ name: 'knownAt', required: false })
  @ApiQuery({ name: 'ruleId', required: false, enum: Object.keys(RED_FLAG_RULES) })
  @ApiQuery({ name: 'severity', required: false, enum: ['red', 'yellow', 'blue'] })
  @ApiQuery({ name: 'variant', required: false }) @ApiQuery({ name: 'subjectKind', required: false, enum: ['payment', 'batch', 'household', 'account', 'project'] })
  @ApiQuery({ name: 'subjectId', required: false }) @ApiQuery({ name: 'unitCode', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'in_case', 'closed'], description: '未处置 / 核查中 / 已销号' })
  @ApiQuery({ name: 'limit', required: false, description: '每页条数 1–500，默认100；导出（csv、xlsx）未给出时为整表，至多 50,000 条' }) @ApiQuery({ name: 'after', required: false }) @formatQueryDocs()
  async list(@CurrentPrincipal() p: Principal, @Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    // Read as every list is: an unknown parameter or one given twice is a 400; the region must lie in the reader's.
    const q = new ListQuery(query, ALERT_QUERY);
    const basis = parseBasis({ asOf: q.text('asOf'), knownAt: q.text('knownAt') }, this.clock.now());
    const format = exportFormat(q.text('format'), req.headers.accept);
    // An export with no limit is the whole list (up to EXPORT_ROWS), as the ledger's lists export.
    const limit = pageLimit(q.text('limit'), format);
    const page = await listAlerts(this.db, basis, {
      unitPrefix: regionOf(p, q.text('unitCode')), ruleId: q.text('ruleId'), variant: q.text('variant'), severity: q.text('severity'),
      subjectKind: q.text('subjectKind'), subjectId: q.text('subjectId'), status: q.text('status'), limit, after: q.text('after'),
      today: this.today(),
    });
    return respond(res, format, `alerts${suffix(basis)}`, page, () => withCoverage(alertListSheets(page), page.total, page.alerts.length, { after: q.text('after'), next: page.next }));
  }

  @Get('alerts/:alertId')
  @Access('inspector', 'auditor', 'finance')
  @Responds(200, 'alertView', '一条预警及其证据 one alert with its evidence', { exports: true })
  @ApiOperation({ summary: '一条预警：规则、版本、等级、对象、金额、证据事件、首次预警的业务日期与记录时间' })
  @ApiQuery({ name: 'asOf', required: false }) @ApiQuery({ name: 'knownAt', required: false }) @formatQueryDocs()
  async one(@CurrentPrincipal() p: Principal, @Param('alertId') alertId: string, @Query() query: Record<string, unknown>, @Req() req: Request,
    @Res({ passthrough: true }) res: Response, @Query('asOf') asOf?: string, @Query('knownAt') knownAt?: string) {
    onlyParameters(query, ['asOf', 'knownAt', 'format']);
    if (!/^R-[0-9]{2}\.[a-z_]+\.[a-z]+\.[A-Za-z0-9._-]{1,64}$/.test(alertId)) throw invalid('invalid_alert_id', 'alertId looks like R-35.cash_to_individual.payment.PAY-1', 'alertId');
    const basis = parseBasis({ asOf, knownAt }, this.clock.now());
    const [a] = await alertsByIds(this.db, [alertId], basis, this.today());
    // Out of scope answers as not found: a reader learns nothing of findings outside their region.
    if (!a || !a.enabled || !withinScope(p.scope, a.unitCode)) throw notFound('alert_not_found', `alert ${alertId} does not exist under this basis`, 'alertId');
    const { enabled: _, ...alert } = a;
    const format = exportFormat(query.format, req.headers.accept);
    return respond(res, format, `alert-${alertId}${suffix(basis)}`, { basis: describeBasis(basis), ...alert }, () => alertSheets(alert));
  }

  @Get('rule-sets/red-flags')
  @Access('inspector', 'auditor', 'finance')
  @Responds(200, 'ruleSet', '规则集：全部版本及 asOf 当日有效的版本 every version and the one in force', { exports: true })
  @ApiOperation({ summary: '预警规则集：规则目录、各版本（阈值、等级、生效日期）及截至 asOf 有效的版本（按 knownAt 所知）' })
  @ApiQuery({ name: 'asOf', required: false }) @ApiQuery({ name: 'knownAt', required: false }) @formatQueryDocs()
  async ruleSet(@Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response, @Query('asOf') asOf?: string,
    @Query('knownAt') knownAt?: string) {
    onlyParameters(query, ['asOf', 'knownAt', 'format']);
    const basis = parseBasis({ asOf, knownAt }, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    const versions = await ruleSetVersionsKnown(this.db, basis.knownAt);
    const body = {
      basis: describeBasis(basis),
      inForce: ruleSetInForce(versions.slice(1), basis.asOf ?? this.today()).version,
      catalogue: Object.entries(RED_FLAG_RULES).map(([ruleId, r]) => ({ ruleId, name: r.name, variants: r.variants,
        params: Object.fromEntries(Object.entries(r.params).map(([k, v]) => [k, { kind: v.kind, meaning: v.meaning }])) })),
      severities: SEVERITY_LABELS,
      versions,
    };
    return respond(res, format, `red-flag-rules${suffix(basis)}`, body, () => redFlagRuleSetSheets(body));
  }

  /**
   * The payment thresholds the deciders apply (PAYMENT_RULES: advance share, 公示 days), every dated
   * set and the one in force on `asOf`, and which programmes pay households as a benefit: what the
   * console states as a project's gates. Configuration, not recorded in the log, so `knownAt` does
   * not apply; each payment records the set it was checked under.
   */
  @Get('rule-sets/payments')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @Responds(200, 'paymentRules', '支付规则：各版本及 asOf 当日有效的一版 the payment thresholds, every dated set and the one in force', { exports: true })
  @ApiOperation({ summary: '支付规则（配置 PAYMENT_RULES）：预付比例上限、惠民项目公示天数，各版本及截至 asOf 有效的一版；惠民项目类型' })
  @ApiQuery({ name: 'asOf', required: false }) @formatQueryDocs()
  paymentRules(@Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response, @Query('asOf') asOf?: string) {
    // Configuration, not recorded in the log: knownAt does not apply, and is refused rather than ignored.
    onlyParameters(query, ['asOf', 'format']);
    const basis = parseBasis({ asOf }, this.clock.now());
    const format = exportFormat(query.format, req.headers.accept);
    const body = {
      basis: describeBasis(basis),
      inForce: ruleInForce(this.config.paymentRules, basis.asOf ?? this.today()),
      versions: this.config.paymentRules,
      benefitTypes: BENEFIT_PROJECT_TYPES,
    };
    return respond(res, format, `payment-rules${suffix(basis)}`, body, () => paymentRuleSheets(body));
  }

  @Post('rule-sets/red-flags/versions')
  @Access('inspector')
  @Responds(201, 'ruleSetVersion', '新采用的规则集版本（完整内容）the version adopted, complete')
  @ApiOperation({ summary: '采用预警规则集新版本：只写改动项，其余沿用上一版；记入日志，自生效日期起适用（全国范围的纪检人员）' })
  async adopt(@Caller() caller: RequestCaller, @Body() b: RuleSetVersionDto) {
    return this.oversight.adoptRuleSet(caller, { version: b.version, effectiveFrom: b.effectiveFrom, documentNo: b.documentNo ?? null, note: b.note ?? null,
      rules: b.rules as never });
  }

  @Post('roster')
  @Access('inspector', 'finance')
  @Responds(201, 'rosterPerson', '登记的人员（身份证号、账号按角色打码）the person recorded')
  @ApiOperation({ summary: '登记村干部、帮扶责任人、驻村工作队员、第一书记及其亲属（R-07、R-31 据此比对收款人）' })
  async record(@Caller() caller: RequestCaller, @Body() b: RosterPersonDto) {
    const s = await this.oversight.recordRosterPerson(caller, { ...b, relatives: b.relatives ?? [] });
    return this.rosterView(caller.principal, s);
  }

  // A step in a recorded person's life, as a payment's approval is: 200, not 201 (nothing new is created).
  @Post('roster/:personId/leaving')
  @HttpCode(200)
  @Access('inspector', 'finance')
  @Responds(200, 'rosterPerson', '离任后的人员记录 the person after leaving')
  @ApiOperation({ summary: '登记离任：离任日之后的支付不再与其比对' })
  async leave(@Caller() caller: RequestCaller, @Param('personId', IdParam) personId: string, @Body() b: RosterLeavingDto) {
    return this.rosterView(caller.principal, await this.oversight.recordRosterLeaving(caller, personId, b));
  }

  @Get('roster/:personId')
  @Access('inspector', 'auditor', 'finance')
  @Responds(200, 'rosterPersonView', '人员记录及其时间口径 the person, with the basis it was read under', { exports: true })
  @ApiOperation({ summary: '人员记录（身份证号、账号按角色打码）：截至 asOf 是否在任，按 knownAt 所知' })
  @ApiQuery({ name: 'asOf', required: false }) @ApiQuery({ name: 'knownAt', required: false }) @formatQueryDocs()
  async person(@CurrentPrincipal() p: Principal, @Param('personId', IdParam) personId: string, @Query() query: Record<string, unknown>, @Req() req: Request,
    @Res({ passthrough: true }) res: Response, @Query('asOf') asOf?: string, @Query('knownAt') knownAt?: string) {
    onlyParameters(query, ['asOf', 'knownAt', 'format']);
    const basis = parseBasis({ asOf, knownAt }, this.clock.now());
    // Scope first: out of the region answers as a person never recorded.
    const now = await this.oversight.rosterPerson(personId).catch(() => undefined);
    if (!now || !withinScope(p.scope, now.person.unitCode)) throw notFound('roster_person_not_found', `roster person ${personId} does not exist`, 'personId');
    // The person's own stream, as recorded by knownAt, then judged on the asOf day: not yet serving, serving, or left.
    let s = rosterDecider.initialState();
    for (const e of await this.store.readStream(Streams.roster(personId))) {
      if (!basis.knownAt || e.recordedAt <= basis.knownAt) s = rosterDecider.evolve(s, e as unknown as RosterEvent);
    }
    if (s.status === 'none' || (basis.asOf && s.person.from > basis.asOf)) throw missing('roster person', personId, true, basis);
    const left = s.left && (!basis.asOf || s.left.date <= basis.asOf) ? s.left : undefined;
    const format = exportFormat(query.format, req.headers.accept);
    const view = await this.rosterView(p, { ...s, status: left ? 'left' : 'serving', left });
    return respond(res, format, `roster-${personId}${suffix(basis)}`, { basis: describeBasis(basis), ...view }, () => rosterSheets(view));
  }

  private async rosterView(reader: Principal, s: Awaited<ReturnType<OversightService['rosterPerson']>>) {
    const x = s.person;
    const refs = [x.idRef, ...(x.accountRef ? [x.accountRef] : []), ...x.relatives.map((r) => r.idRef)];
    const revealed = await this.vault.revealFor(reader, refs);
    return {
      personId: x.personId, name: x.name, role: x.role, roleLabel: ROSTER_ROLE_LABELS[x.role], unitCode: x.unitCode, status: s.status, from: x.from,
      leftOn: s.left?.date ?? null, idNumber: revealed.get(x.idRef) ?? x.idMasked,
      account: x.accountRef ? (revealed.get(x.accountRef) ?? x.accountMasked) : null,
      relatives: x.relatives.map((r) => ({ name: r.name, relation: r.relation, idNumber: revealed.get(r.idRef) ?? r.idMasked })),
    };
  }
}
