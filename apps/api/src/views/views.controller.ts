import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { figureHeader, invalid, nameOf, SOURCE_NAMES, withinScope, type FigureName, type Principal } from '@yuantrace/domain';
import type { Db } from '@yuantrace/event-store';
import {
  batchFlow, batchView, describeBasis, disclosure, householdView, parseBasis, paymentTrace, paymentView,
  projectView, unitSummary,
} from '@yuantrace/read-models';
import type { Request, Response } from 'express';
import { Access, Public } from '../auth/access.decorator';
import { assertInScope } from '@yuantrace/domain';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { IdParam, unitCodeParam } from '../http/validators';
import { READ_DB } from '@yuantrace/ledger';
import { PersonalDataVault } from '@yuantrace/ledger';
import { toCsv, wantsCsv } from './csv';
import { missing, placeInScope } from './read-access';

/** The figures a region has, in the order exports show them (the glossary, @yuantrace/domain figures.ts). */
const REGION_FIGURES = ['received', 'returned', 'allocated', 'committed', 'returnedFromProjects', 'held', 'paid', 'balance'] as const satisfies readonly FigureName[];

type BasisQuery = { asOf?: string; knownAt?: string; format?: string };
const basisDocs = () => (target: object, key: string, d: PropertyDescriptor) => {
  ApiQuery({ name: 'asOf', required: false, description: '业务日期口径 YYYY-MM-DD：截至该日已发生的事项（按现在所知）' })(target, key, d);
  ApiQuery({ name: 'knownAt', required: false, description: '记录时点口径 ISO-8601：该时刻账上所载（更正之前）' })(target, key, d);
};

@ApiTags('views')
@ApiBearerAuth()
@Controller()
export class ViewsController {
  constructor(
    @Inject(READ_DB) private readonly db: Db,
    private readonly vault: PersonalDataVault,
  ) {}

  /** Reveals payee accounts for readers who may see them; everyone else keeps the masked form. */
  private async revealAccounts<T extends { payee: { accountRef?: string; account: string } }>(principal: Principal | undefined, items: T[]) {
    const accounts = await this.vault.revealFor(principal, items.map((i) => i.payee.accountRef!).filter(Boolean));
    for (const i of items) {
      i.payee.account = (i.payee.accountRef && accounts.get(i.payee.accountRef)) || i.payee.account;
      delete i.payee.accountRef;
    }
  }

  @Get('fund-batches/:batchId')
  @Access('finance', 'approver', 'inspector', 'auditor')
  @ApiOperation({ summary: '资金批次：金额、已分配、已退回、余额，分配明细，上下级批次' })
  @basisDocs()
  async batch(@CurrentPrincipal() p: Principal, @Param('batchId', IdParam) id: string, @Query() query: BasisQuery) {
    const basis = parseBasis(query);
    await placeInScope(this.db, p, 'fund batch', id);
    const v = await batchView(this.db, id, basis);
    if (!v) throw missing('fund batch', id, true, basis);
    return { basis: describeBasis(basis), ...v };
  }

  @Get('fund-batches/:batchId/flow')
  @Access('finance', 'approver', 'inspector', 'auditor')
  @ApiOperation({ summary: '资金流向：下游每个子批次、项目和收款人，精确到分，并列出各节点未用余额' })
  @basisDocs()
  async flow(@CurrentPrincipal() p: Principal, @Param('batchId', IdParam) id: string, @Query() query: BasisQuery) {
    const basis = parseBasis(query);
    await placeInScope(this.db, p, 'fund batch', id);
    const v = await batchView(this.db, id, basis);
    if (!v) throw missing('fund batch', id, true, basis);
    return { basis: describeBasis(basis), flow: await batchFlow(this.db, id, basis) };
  }

  @Get('projects/:projectId')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '项目：预算、按来源的资金安排、冻结、已付、余额、支付明细' })
  @basisDocs()
  async project(@CurrentPrincipal() p: Principal, @Param('projectId', IdParam) id: string, @Query() query: BasisQuery) {
    const basis = parseBasis(query);
    await placeInScope(this.db, p, 'project', id);
    const v = await projectView(this.db, id, basis);
    if (!v) throw missing('project', id, true, basis);
    await this.revealAccounts(p, v.payments);
    return { basis: describeBasis(basis), ...v };
  }

  @Get('payments/:paymentId')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '支付：申请信息与状态历史（每一步的业务日期与记录时间）' })
  @basisDocs()
  async payment(@CurrentPrincipal() p: Principal, @Param('paymentId', IdParam) id: string, @Query() query: BasisQuery) {
    const basis = parseBasis(query);
    await placeInScope(this.db, p, 'payment', id);
    const v = await paymentView(this.db, id, basis);
    if (!v) throw missing('payment', id, true, basis);
    await this.revealAccounts(p, [v]);
    return { basis: describeBasis(basis), ...v };
  }

  @Get('payments/:paymentId/trace')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '上溯：支付 → 资金分配 → 批次 → 上级批次 → 源头拨款（每一环的文号）' })
  @basisDocs()
  async trace(@CurrentPrincipal() p: Principal, @Param('paymentId', IdParam) id: string, @Query() query: BasisQuery) {
    const basis = parseBasis(query);
    await placeInScope(this.db, p, 'payment', id);
    const v = await paymentView(this.db, id, basis);
    if (!v) throw missing('payment', id, true, basis);
    const trace = (await paymentTrace(this.db, id, basis))!;
    await this.revealAccounts(p, [trace.payment]);
    return { basis: describeBasis(basis), ...trace };
  }

  @Get('admin-units/:code/summary')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '区域汇总：本级及下级的到位、分配、支付、余额、覆盖农户，按来源和年度；?format=csv 导出' })
  @basisDocs()
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  async summary(@CurrentPrincipal() p: Principal, @Param('code') code: string, @Query() query: BasisQuery, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const basis = parseBasis(query);
    if (query.format !== undefined && !['json', 'csv'].includes(query.format)) throw invalid('invalid_format', 'format must be json or csv', 'format');
    unitCodeParam(code);
    assertInScope(p, code, `unit ${code}`);
    const s = await unitSummary(this.db, code, basis);
    if (!s) throw missing('admin unit', code, false, basis);
    if (wantsCsv(query.format, req.headers.accept)) {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="summary-${code}${basis.asOf ? `-${basis.asOf}` : ''}.csv"`);
      // Every region figure of the glossary, in its order, headed in Chinese with the API's name; sources by their Chinese names.
      const figures = REGION_FIGURES;
      const rows: unknown[][] = [];
      for (const u of [s, ...s.subUnits]) {
        for (const r of u.bySourceAndYear) rows.push([u.code, u.name, nameOf(SOURCE_NAMES, r.source), r.fiscalYear, ...figures.map((f) => r[f]), '']);
        rows.push([u.code, u.name, '合计', '', ...figures.map((f) => u[f]), u.householdsReached]);
      }
      return toCsv(['单位代码', '单位名称', '资金来源', '年度', ...figures.map((f) => `${figureHeader(f)}(元)`), '覆盖农户(户)'], rows);
    }
    return { basis: describeBasis(basis), ...s };
  }

  @Get('households/:householdId')
  @Access('finance', 'approver', 'inspector', 'auditor', 'village')
  @ApiOperation({ summary: '农户：档案（按角色打码）、状态历史、每笔到户资金及其来源链、按年度/来源/项目类型合计；?format=csv 导出到户明细' })
  @basisDocs()
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  async household(@CurrentPrincipal() p: Principal, @Param('householdId', IdParam) id: string, @Query() query: BasisQuery, @Req() req: Request,
    @Res({ passthrough: true }) res: Response) {
    const basis = parseBasis(query);
    if (query.format !== undefined && !['json', 'csv'].includes(query.format)) throw invalid('invalid_format', 'format must be json or csv', 'format');
    await placeInScope(this.db, p, 'household', id);
    const v = await householdView(this.db, id, basis);
    if (!v) throw missing('household', id, true, basis);
    const ids = await this.vault.revealFor(p, v.members.map((m) => String(m.idRef)));
    const members = v.members.map(({ idRef, idMasked, ...m }) => ({ ...(m as { name: string; relation: string; birthYear: number }),
      idNumber: ids.get(String(idRef)) ?? String(idMasked) }));
    if (wantsCsv(query.format, req.headers.accept)) {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="household-${id}.csv"`);
      return toCsv(['户编号', '户主', '身份证号', '支付编号', '类别', '金额(元)', '日期', '项目', '项目类型', '资金来源', '年度', '源头批次', '源头文号'],
        v.receipts.map((r) => [v.householdId, members.find((m) => m.relation === 'head')?.name, members.find((m) => m.relation === 'head')?.idNumber, r.paymentId,
          r.kind === 'paid' ? '支付' : '红冲', r.amount, r.effectiveDate, r.projectName, r.projectType, r.source, r.fiscalYear, r.origin.rootBatchId,
          r.origin.rootDocumentNo]));
    }
    return { basis: describeBasis(basis), ...v, members };
  }

  @Get('disclosure/units/:code')
  @Public()
  @ApiOperation({ summary: '公示：某村（或任一单位）的项目、资金来源与收款人；身份与账号对公众打码' })
  @basisDocs()
  async disclosure(@CurrentPrincipal() p: Principal | undefined, @Param('code') code: string, @Query() query: BasisQuery) {
    const basis = parseBasis(query);
    unitCodeParam(code);
    const d = await disclosure(this.db, code, basis);
    if (!d) throw missing('admin unit', code, false, basis);
    // A public route: personal data is revealed only to a reader whose role and region both allow it.
    await this.revealAccounts(p && withinScope(p.scope, code) ? p : undefined, d.projects.flatMap((x) => x.payments));
    return { basis: describeBasis(basis), ...d };
  }
}
