import { Body, Controller, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { formatFen, fenFromJson, invalid, parseYuan, stageOf, type AllocationTarget } from '@yuantrace/domain';
import { Access } from '../auth/access.decorator';
import { Responds } from '../http/openapi-schemas';
import { Caller, IdParam, unitCodeParam, type RequestCaller } from '../http/validators';
import { PersonalDataVault } from '@yuantrace/ledger';
import {
  AdminUnitDto, AllocationDto, ApprovalDto, ClosureDto, ExecutionDto, FailureDto, FundBatchDto, HouseholdDto, HouseholdStatusDto, MilestoneDto, PaymentDto,
  ProjectDto, ReturnDto, ReversalDto, VoidDto,
} from './dto/ledger.dto';
import { batchResource, LedgerService, paymentResource } from '@yuantrace/ledger';


@ApiTags('admin units')
@ApiBearerAuth()
@Controller('admin-units')
export class AdminUnitsController {
  constructor(private readonly ledger: LedgerService) {}

  @Put(':code')
  @Access('finance')
  @ApiOperation({ summary: '登记行政区划单位 (12位代码; 上级须已登记)' })
  @Responds(200, 'adminUnit', '登记后的单位 the registered unit')
  async register(@Caller() caller: RequestCaller, @Param('code') code: string, @Body() body: AdminUnitDto) {
    const state = await this.ledger.registerAdminUnit(caller, { code: unitCodeParam(code), name: body.name, level: body.level, parentCode: body.parentCode ?? null });
    return state;
  }
}

function targetOf(t: AllocationDto['target']): AllocationTarget {
  if (t.type === 'batch') {
    if (!t.batchId) throw invalid('invalid_field', 'target.batchId is required for a batch target', 'target.batchId');
    if (!t.recipientUnitCode) throw invalid('invalid_field', 'target.recipientUnitCode is required for a batch target', 'target.recipientUnitCode');
    if (t.projectId !== undefined) throw invalid('unknown_field', 'target.projectId is not a field of a batch target', 'target.projectId');
    return { type: 'batch', batchId: t.batchId, recipientUnitCode: t.recipientUnitCode };
  }
  if (!t.projectId) throw invalid('invalid_field', 'target.projectId is required for a project target', 'target.projectId');
  if (t.batchId !== undefined || t.recipientUnitCode !== undefined) {
    throw invalid('unknown_field', 'a project target has only type and projectId', t.batchId !== undefined ? 'target.batchId' : 'target.recipientUnitCode');
  }
  return { type: 'project', projectId: t.projectId };
}

@ApiTags('fund batches')
@ApiBearerAuth()
@Controller('fund-batches')
export class FundBatchesController {
  constructor(private readonly ledger: LedgerService) {}

  @Post()
  @Access('finance')
  @ApiOperation({ summary: '资金下达：一笔拨款进入台账（带文号）' })
  @Responds(201, 'batchResource', '新批次及其指标 the new batch and its figures')
  async issue(@Caller() caller: RequestCaller, @Body() b: FundBatchDto) {
    const s = await this.ledger.issueBatch(caller, {
      ...b, amount: parseYuan(b.amount), countsTowardHouseholdShare: b.countsTowardHouseholdShare ?? false,
      lineItems: b.lineItems?.map((l, i) => ({ label: l.label, amount: parseYuan(l.amount, `lineItems[${i}].amount`) })),
    });
    return batchResource(s);
  }

  @Post(':batchId/allocations')
  @Access('finance')
  @ApiOperation({ summary: '资金分配：下拨到下级单位（生成子批次）或安排到项目' })
  @Responds(201, 'allocation', '记录的分配 the allocation recorded')
  async allocate(@Caller() caller: RequestCaller, @Param('batchId', IdParam) batchId: string, @Body() a: AllocationDto) {
    return this.ledger.allocate(caller, batchId, { ...a, target: targetOf(a.target), amount: parseYuan(a.amount) });
  }

  @Post(':batchId/returns')
  @Access('finance')
  @ApiOperation({ summary: '资金退回：结余退回上级批次，或项目结余退回本批次' })
  @Responds(201, 'returnResult', '记录的退回 the return recorded')
  async returns(@Caller() caller: RequestCaller, @Param('batchId', IdParam) batchId: string, @Body() r: ReturnDto) {
    return this.ledger.returnFunds(caller, batchId, { ...r, amount: parseYuan(r.amount) });
  }

  @Post(':batchId/closure')
  @Access('finance')
  @HttpCode(200)
  @ApiOperation({ summary: '清算关闭批次：须无冻结资金；有结余时同一命令退回上级或结转新批次（remainder），此后不得再从本批次划出资金' })
  @Responds(200, 'batchResource', '关闭后的批次 the closed batch')
  async close(@Caller() caller: RequestCaller, @Param('batchId', IdParam) batchId: string, @Body() c: ClosureDto) {
    return batchResource(await this.ledger.closeBatch(caller, batchId, c));
  }

  @Post(':batchId/void')
  @Access('finance')
  @HttpCode(200)
  @ApiOperation({ summary: '撤销误录批次：仅限未动用资金的批次；金额退回来处（上级批次或拨款方），可注明更正批次' })
  @Responds(200, 'batchResource', '撤销后的批次 the voided batch')
  async void(@Caller() caller: RequestCaller, @Param('batchId', IdParam) batchId: string, @Body() v: VoidDto) {
    return batchResource(await this.ledger.voidBatch(caller, batchId, { reason: v.reason, effectiveDate: v.effectiveDate, replacedBy: v.replacedBy ?? null }));
  }
}

@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects')
export class ProjectsController {
  constructor(private readonly ledger: LedgerService) {}

  @Post()
  @Access('finance')
  @ApiOperation({ summary: '项目申报（立项申请）' })
  @Responds(201, 'projectResource', '申报的项目 the proposed project')
  async propose(@Caller() caller: RequestCaller, @Body() p: ProjectDto) {
    const { budget, ...rest } = p;
    const s = await this.ledger.proposeProject(caller, { ...rest, budgetFen: parseYuan(budget, 'budget').toString() });
    const { budgetFen, ...definition } = s.definition;
    return { ...definition, budget: formatFen(fenFromJson(budgetFen)),
      funding: Object.values(s.funding).map((f) => ({ allocationId: f.allocationId, batchId: f.batchId, rootBatchId: f.rootBatchId, source: f.source, amount: formatFen(f.amount) })) };
  }
}

@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects/:projectId/milestones')
export class MilestonesController {
  constructor(private readonly ledger: LedgerService) {}

  @Post()
  @Access('finance')
  @ApiOperation({ summary: '项目里程碑：立项、公示、招标、合同、开工、进度、竣工、验收、资产移交（按自然顺序）' })
  @Responds(201, 'milestone', '记录的里程碑与已到达的环节 the milestone and the kinds reached')
  async record(@Caller() caller: RequestCaller, @Param('projectId', IdParam) projectId: string, @Body() m: MilestoneDto) {
    const s = await this.ledger.recordMilestone(caller, projectId, {
      milestoneId: m.milestoneId, kind: m.kind, date: m.date, percentComplete: m.percentComplete ?? null, result: m.result ?? null,
      publicUntil: m.publicUntil ?? null, documentNo: m.documentNo ?? null, note: m.note ?? null,
    });
    const { projectId: _, ...milestone } = s.milestones.find((x) => x.milestoneId === m.milestoneId)!;
    // stage means here what it means in every view (the furthest milestone reached); the kinds reached are listed apart.
    return { projectId, ...milestone, stage: stageOf(Object.keys(s.reached)), reached: Object.keys(s.reached) };
  }
}

@ApiTags('households')
@ApiBearerAuth()
@Controller('households')
export class HouseholdsController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly vault: PersonalDataVault,
  ) {}

  private async render(caller: RequestCaller, h: Awaited<ReturnType<LedgerService['household']>>) {
    const ids = await this.vault.revealFor(caller.principal, h.registration.members.map((m) => m.idRef));
    const { members, ...rest } = h.registration;
    return { ...rest, status: h.status, members: members.map(({ idRef, idMasked, ...m }) => ({ ...m, idNumber: ids.get(idRef) ?? idMasked })),
      history: h.history };
  }

  @Post()
  @Access('finance')
  @ApiOperation({ summary: '建档立卡：登记贫困户（身份号码校验；一人只能属于一个在册户）' })
  @Responds(201, 'household', '登记的农户（身份证号按角色打码） the household, identity numbers masked by role')
  async register(@Caller() caller: RequestCaller, @Body() h: HouseholdDto) {
    return this.render(caller, await this.ledger.registerHousehold(caller, h));
  }

  @Post(':householdId/status')
  @Access('finance')
  @HttpCode(200)
  @ApiOperation({ summary: '脱贫 / 返贫 / 剔除' })
  @Responds(200, 'household', '变更后的农户 the household after the change')
  async status(@Caller() caller: RequestCaller, @Param('householdId', IdParam) id: string, @Body() s: HouseholdStatusDto) {
    return this.render(caller, await this.ledger.changeHouseholdStatus(caller, id, { ...s, documentNo: s.documentNo ?? null }));
  }
}

@ApiTags('payments')
@ApiBearerAuth()
@Controller('payments')
export class PaymentsController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly vault: PersonalDataVault,
  ) {}

  private async render(caller: RequestCaller, p: Awaited<ReturnType<LedgerService['payment']>>, known?: ReadonlyMap<string, string>) {
    return paymentResource(p, await this.vault.revealFor(caller.principal, [p.request.payee.accountRef], known));
  }

  @Post()
  @Access('finance')
  @ApiOperation({ summary: '报账：申请支付，冻结所用资金分配上的金额' })
  @Responds(201, 'paymentResource', '支付申请 the payment requested')
  async request(@Caller() caller: RequestCaller, @Body() p: PaymentDto) {
    const payment = await this.ledger.requestPayment(caller, { ...p, amount: parseYuan(p.amount) });
    // The caller has just sent the account: showing it back needs no lookup in the vault.
    return this.render(caller, payment, new Map([[this.vault.refOf('account', p.payee.account), p.payee.account]]));
  }

  @Post(':paymentId/approval')
  @Access('approver')
  @HttpCode(200)
  @ApiOperation({ summary: '审核：由申请人以外的人同意或驳回（驳回释放冻结金额）' })
  @Responds(200, 'paymentResource', '审核后的支付 the payment decided')
  async approval(@Caller() caller: RequestCaller, @Param('paymentId', IdParam) id: string, @Body() a: ApprovalDto) {
    return this.render(caller, await this.ledger.decidePayment(caller, id, { approved: a.approved, comment: a.comment ?? '', effectiveDate: a.effectiveDate }));
  }

  @Post(':paymentId/execution')
  @Access('finance')
  @HttpCode(200)
  @ApiOperation({ summary: '拨付 / 发放：银行已付款，冻结金额转为已支付' })
  @Responds(200, 'paymentResource', '已支付 the payment executed')
  async execution(@Caller() caller: RequestCaller, @Param('paymentId', IdParam) id: string, @Body() x: ExecutionDto) {
    return this.render(caller, await this.ledger.executePayment(caller, id, x));
  }

  @Post(':paymentId/failure')
  @Access('finance')
  @HttpCode(200)
  @ApiOperation({ summary: '退票：银行退回，释放冻结金额' })
  @Responds(200, 'paymentResource', '退票后的支付 the payment failed')
  async failure(@Caller() caller: RequestCaller, @Param('paymentId', IdParam) id: string, @Body() f: FailureDto) {
    return this.render(caller, await this.ledger.failPayment(caller, id, f));
  }

  @Post(':paymentId/reversal')
  @Access('finance')
  @HttpCode(200)
  @ApiOperation({ summary: '红冲 / 追回：已支付款项退回原资金分配' })
  @Responds(200, 'paymentResource', '追回后的支付 the payment reversed')
  async reversal(@Caller() caller: RequestCaller, @Param('paymentId', IdParam) id: string, @Body() v: ReversalDto) {
    return this.render(caller, await this.ledger.reversePayment(caller, id, v));
  }
}
