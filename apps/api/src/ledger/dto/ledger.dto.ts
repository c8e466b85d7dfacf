import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested, IsObject } from 'class-validator';
import { CHANNELS, FUND_SOURCES, HOUSEHOLD_CATEGORIES, HOUSEHOLD_STATUSES, INSTALLMENTS, ISSUER_LEVELS, MILESTONE_KINDS, PAYEE_TYPES, POVERTY_CAUSES, PROJECT_TYPES, RELATIONS, UNIT_LEVELS } from '@yuantrace/domain';
import { IsBusinessDate, IsClientId, IsYuan, Optional } from '../../http/validators';

const UNIT_CODE = /^([0-9]{12}|[0-9]{15})$/;

export class AdminUnitDto {
  @ApiProperty({ description: '单位名称', example: '双龙村' })
  @IsString() @IsNotEmpty() @MaxLength(100)
  name: string;

  @ApiProperty({ description: '层级', enum: UNIT_LEVELS, example: 'village' })
  @IsIn(UNIT_LEVELS)
  level: (typeof UNIT_LEVELS)[number];

  @ApiPropertyOptional({ description: '上级单位的12位行政区划代码（省级为空）', example: '990101001000', nullable: true })
  @IsOptional() @Matches(UNIT_CODE, { message: 'parentCode must be a 12-digit 行政区划代码' })
  parentCode?: string | null;
}

export class FundBatchDto {
  @ApiProperty({ description: '资金批次编号（由调用方指定）', example: 'FB-2016-C-001' })
  @IsClientId()
  batchId: string;

  @ApiProperty({ description: '下达文件文号', example: '财农〔2016〕18号' })
  @IsString() @IsNotEmpty() @MaxLength(100)
  documentNo: string;

  @ApiProperty({ description: '文件标题', example: '关于下达2016年中央财政专项扶贫资金的通知' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  title: string;

  @ApiProperty({ description: '资金来源类别（DOMAIN.md §1.3）', enum: FUND_SOURCES, example: 'CENTRAL_SPECIAL_POVERTY' })
  @IsIn(FUND_SOURCES)
  source: (typeof FUND_SOURCES)[number];

  @ApiProperty({ description: '下达单位层级', enum: ISSUER_LEVELS, example: 'CENTRAL' })
  @IsIn(ISSUER_LEVELS)
  issuerLevel: (typeof ISSUER_LEVELS)[number];

  @ApiProperty({ description: '接收单位行政区划代码', example: '990000000000' })
  @Matches(UNIT_CODE, { message: 'recipientUnitCode must be a 12-digit 行政区划代码' })
  recipientUnitCode: string;

  @ApiProperty({ description: '预算年度', example: 2016 })
  @IsInt() @Min(2000) @Max(2100)
  fiscalYear: number;

  @ApiProperty({ description: '金额（元，最多两位小数，字符串）', example: '5000000.00' })
  @IsYuan()
  amount: string;

  @ApiProperty({ description: '生效日期（文件日期）', example: '2016-03-01' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiProperty({ description: '资金用途', example: '小型公益设施建设' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  purpose: string;

  @ApiPropertyOptional({ description: '是否计入到户资金比例（R-08）', example: true, default: false })
  @Optional() @IsBoolean()
  countsTowardHouseholdShare?: boolean;

  @ApiPropertyOptional({ description: '文件所列明细（如分县、分项目金额）；明细之和与合计不符时照录并预警（R-20）', type: () => [BatchLineItemDto] })
  @Optional() @IsArray() @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => BatchLineItemDto)
  lineItems?: BatchLineItemDto[];
}

export class BatchLineItemDto {
  @ApiProperty({ description: '明细名称', example: '双龙乡' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  label: string;

  @ApiProperty({ description: '明细金额（元）', example: '674000.00' })
  @IsYuan()
  amount: string;
}

export class AllocationTargetDto {
  @ApiProperty({ description: 'batch：下拨到下级单位（生成子批次）；project：安排到项目', enum: ['batch', 'project'] })
  @IsIn(['batch', 'project'])
  type: 'batch' | 'project';

  @ApiPropertyOptional({ description: '子批次编号（type=batch）', example: 'FB-2016-C-001-county' })
  @Optional() @IsClientId()
  batchId?: string;

  @ApiPropertyOptional({ description: '下级接收单位代码（type=batch）', example: '990101000000' })
  @Optional() @Matches(UNIT_CODE, { message: 'target.recipientUnitCode must be a 12-digit 行政区划代码' })
  recipientUnitCode?: string;

  @ApiPropertyOptional({ description: '项目编号（type=project）', example: 'PRJ-road-01' })
  @Optional() @IsClientId()
  projectId?: string;
}

export class AllocationDto {
  @ApiProperty({ description: '分配编号', example: 'AL-001' })
  @IsClientId()
  allocationId: string;

  @ApiProperty({ type: AllocationTargetDto })
  @IsObject() @ValidateNested() @Type(() => AllocationTargetDto)
  target: AllocationTargetDto;

  @ApiProperty({ description: '金额（元）', example: '380000.00' })
  @IsYuan()
  amount: string;

  @ApiProperty({ description: '生效日期', example: '2016-04-01' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiProperty({ description: '分配文件文号', example: '县财发〔2016〕7号' })
  @IsString() @IsNotEmpty() @MaxLength(100)
  documentNo: string;
}

export class ReturnDto {
  @ApiProperty({ description: '退回编号', example: 'RT-001' })
  @IsClientId()
  returnId: string;

  @ApiProperty({ description: '金额（元）', example: '12000.00' })
  @IsYuan()
  amount: string;

  @ApiProperty({ description: '原因（收回 / 结余退回）', example: '项目结余退回' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  reason: string;

  @ApiProperty({ description: '生效日期', example: '2016-12-20' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiPropertyOptional({ description: '给出时：把该项目分配的结余退回本批次；不给：把本批次结余退回上级批次', example: 'AL-001' })
  @Optional() @IsClientId()
  allocationId?: string;
}

export class CarryOverDto {
  @ApiProperty({ description: '结转后的新批次编号（同一单位）', example: 'CEN-2016-CTY-2017' })
  @IsClientId()
  batchId: string;

  @ApiProperty({ description: '结转入的年度（晚于原批次年度）', example: 2017 })
  @IsInt()
  @Min(2000)
  @Max(2100)
  fiscalYear: number;

  @ApiProperty({ description: '结转文号', example: '县财〔2017〕3号' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  documentNo: string;
}

export class ClosureDto {
  @ApiProperty({ description: '关闭日期', example: '2016-12-31' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiPropertyOptional({ description: '剩余资金的去向（有结余时必填）：return 退回上级（根批次退回国库）；carryOver 结转到新批次。项目未支付的结余先退回本批次', enum: ['return', 'carryOver'] })
  @Optional()
  @IsIn(['return', 'carryOver'])
  remainder?: 'return' | 'carryOver';

  @ApiPropertyOptional({ description: 'remainder 为 carryOver 时：结转到的新批次', type: CarryOverDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => CarryOverDto)
  carryOver?: CarryOverDto;
}

export class VoidDto {
  @ApiProperty({ description: '撤销原因', example: '金额录入错误' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason: string;

  @ApiProperty({ description: '撤销日期', example: '2016-03-02' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiPropertyOptional({ description: '替代本批次的更正批次编号（须已登记）', example: 'CEN-2016-CTY-FIX' })
  @Optional()
  @IsClientId()
  replacedBy?: string;
}

export class ProjectDto {
  @ApiProperty({ description: '项目编号', example: 'PRJ-road-01' })
  @IsClientId()
  projectId: string;

  @ApiProperty({ description: '项目名称', example: '双龙村1公里机耕道硬化' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  @ApiProperty({ description: '项目类型（DOMAIN.md §1.6）', enum: PROJECT_TYPES, example: 'ROAD' })
  @IsIn(PROJECT_TYPES)
  type: (typeof PROJECT_TYPES)[number];

  @ApiProperty({ description: '所在单位（村或县）', example: '990101001001' })
  @Matches(UNIT_CODE, { message: 'unitCode must be a 12-digit 行政区划代码' })
  unitCode: string;

  @ApiProperty({ description: '实施单位', example: '双龙村村民委员会' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  implementer: string;

  @ApiProperty({ description: '预算（元）', example: '380000.00' })
  @IsYuan()
  budget: string;

  @ApiProperty({ description: '计划开工日期', example: '2016-05-01' })
  @IsBusinessDate()
  plannedStart: string;

  @ApiProperty({ description: '计划完工日期', example: '2016-10-31' })
  @IsBusinessDate()
  plannedEnd: string;
}

export class PayeeDto {
  @ApiProperty({ description: '收款方类型', enum: PAYEE_TYPES, example: 'contractor' })
  @IsIn(PAYEE_TYPES)
  type: (typeof PAYEE_TYPES)[number];

  @ApiProperty({ description: '收款方编号（农户为户编号）', example: 'CT-0001' })
  @IsClientId()
  id: string;

  @ApiProperty({ description: '收款方名称', example: '某某建筑工程有限公司' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  name: string;

  @ApiProperty({ description: '银行账号（一卡通账号）；只存于个人信息库，事件中仅存引用', example: '6222020200112233445' })
  @IsString() @Matches(/^[0-9A-Za-z-]{4,40}$/, { message: 'payee.account must be 4–40 letters or digits' })
  account: string;
}

export class PaymentDto {
  @ApiProperty({ description: '支付编号', example: 'PAY-0001' })
  @IsClientId()
  paymentId: string;

  @ApiProperty({ description: '项目编号', example: 'PRJ-road-01' })
  @IsClientId()
  projectId: string;

  @ApiProperty({ description: '所用资金分配（该项目的一条资金安排）', example: 'AL-001' })
  @IsClientId()
  allocationId: string;

  @ApiProperty({ type: PayeeDto })
  @IsObject() @ValidateNested() @Type(() => PayeeDto)
  payee: PayeeDto;

  @ApiProperty({ description: '金额（元）', example: '114000.00' })
  @IsYuan()
  amount: string;

  @ApiProperty({ description: '用途', example: '机耕道硬化工程预付款' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  purpose: string;

  @ApiProperty({ description: '款项性质：预付、进度、尾款、一次性', enum: INSTALLMENTS, example: 'advance' })
  @IsIn(INSTALLMENTS)
  installment: (typeof INSTALLMENTS)[number];

  @ApiProperty({ description: '报账日期', example: '2016-05-10' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiPropertyOptional({ description: '重新支付：被替代的退票或追回的支付编号（同一项目、同一收款人）', example: 'PAY-0001' })
  @Optional()
  @IsClientId()
  replacesPaymentId?: string;
}

export class ApprovalDto {
  @ApiProperty({ description: '是否同意', example: true })
  @IsBoolean()
  approved: boolean;

  @ApiPropertyOptional({ description: '审核意见', example: '资料齐全，同意支付' })
  @Optional() @IsString() @MaxLength(500)
  comment?: string;

  @ApiProperty({ description: '审核日期（业务日期，不得晚于今天）', example: '2016-05-12' })
  @IsBusinessDate()
  effectiveDate: string;
}

export class ExecutionDto {
  @ApiProperty({ description: '支付渠道', enum: CHANNELS, example: 'treasury_direct' })
  @IsIn(CHANNELS)
  channel: (typeof CHANNELS)[number];

  @ApiProperty({ description: '银行流水号（首尾不得有空白）', example: 'BOC20160515001' })
  // A reference is unique per channel as written: with a space at either end, the same bank entry went in twice unnoticed.
  @IsString() @IsNotEmpty() @MaxLength(100) @Matches(/^\S(?:[\s\S]*\S)?$/, { message: 'bankReference must not begin or end with a space' })
  bankReference: string;

  @ApiProperty({ description: '银行记账日期', example: '2016-05-15' })
  @IsBusinessDate()
  effectiveDate: string;
}

export class FailureDto {
  @ApiProperty({ description: '退票原因', example: '账户名与账号不符' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  reason: string;

  @ApiProperty({ description: '退票日期', example: '2016-05-16' })
  @IsBusinessDate()
  effectiveDate: string;
}

export class ReversalDto {
  @ApiProperty({ description: '红冲 / 追回原因', example: '重复支付，追回' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  reason: string;

  @ApiProperty({ description: '生效日期', example: '2016-07-01' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiProperty({ description: '追回文件文号', example: '县纪发〔2016〕3号' })
  @IsString() @IsNotEmpty() @MaxLength(100)
  documentNo: string;
}


export class MilestoneDto {
  @ApiProperty({ description: '里程碑编号', example: 'MS-approved' })
  @IsClientId()
  milestoneId: string;

  @ApiProperty({ description: '类型：立项、公示、招标、合同、开工、进度、竣工、验收、资产移交', enum: MILESTONE_KINDS, example: 'approved' })
  @IsIn(MILESTONE_KINDS)
  kind: (typeof MILESTONE_KINDS)[number];

  @ApiProperty({ description: '日期', example: '2016-04-10' })
  @IsBusinessDate()
  date: string;

  @ApiPropertyOptional({ description: '完成百分比 0–100（进度）', example: 40 })
  @Optional() @IsInt() @Min(0) @Max(100)
  percentComplete?: number;

  @ApiPropertyOptional({ description: '验收结果（验收）', enum: ['passed', 'failed'] })
  @Optional() @IsIn(['passed', 'failed'])
  result?: 'passed' | 'failed';

  @ApiPropertyOptional({ description: '公示截止日期（公示）', example: '2016-04-20' })
  @Optional() @IsBusinessDate()
  publicUntil?: string;

  @ApiPropertyOptional({ description: '文号（立项必填）', example: '县扶贫办〔2016〕3号' })
  @Optional() @IsString() @IsNotEmpty() @MaxLength(100)
  documentNo?: string;

  @ApiPropertyOptional({ description: '备注（如完成工程量：已完成0.4公里）', example: '已完成0.4公里' })
  @Optional() @IsString() @MaxLength(500)
  note?: string;
}

export class PersonDto {
  @ApiProperty({ description: '姓名', example: '张三' })
  @IsString() @IsNotEmpty() @MaxLength(50)
  name: string;

  @ApiProperty({ description: '18位公民身份号码（校验出生日期与校验码）；只存于个人信息库', example: '990101197001010011' })
  @IsString()
  idNumber: string;

  @ApiPropertyOptional({ description: '出生年份（须与身份号码一致）', example: 1970 })
  @Optional() @IsInt() @Min(1900) @Max(2100)
  birthYear?: number;
}

export class MemberDto extends PersonDto {
  @ApiProperty({ description: '与户主关系', enum: RELATIONS, example: 'child' })
  @IsIn(RELATIONS)
  relation: (typeof RELATIONS)[number];
}

export class HouseholdDto {
  @ApiProperty({ description: '户编号', example: 'HH-0001' })
  @IsClientId()
  householdId: string;

  @ApiProperty({ description: '所在村', example: '990101001001' })
  @Matches(UNIT_CODE, { message: 'unitCode must be a 12-digit 行政区划代码' })
  unitCode: string;

  @ApiProperty({ type: PersonDto, description: '户主' })
  @IsObject() @ValidateNested() @Type(() => PersonDto)
  head: PersonDto;

  @ApiProperty({ type: [MemberDto], description: '家庭成员（不含户主）' })
  @IsArray() @ArrayMaxSize(30) @ValidateNested({ each: true }) @Type(() => MemberDto)
  members: MemberDto[];

  @ApiProperty({ description: '识别属性：一般贫困户、低保贫困户、纯低保户、五保户、社会救济户', enum: HOUSEHOLD_CATEGORIES, example: 'general' })
  @IsIn(HOUSEHOLD_CATEGORIES)
  category: (typeof HOUSEHOLD_CATEGORIES)[number];

  @ApiProperty({ description: '致贫原因（第一项为主要原因）', enum: POVERTY_CAUSES, isArray: true, example: ['ILLNESS', 'EDUCATION'] })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(12) @IsIn(POVERTY_CAUSES, { each: true })
  causes: Array<(typeof POVERTY_CAUSES)[number]>;

  @ApiProperty({ description: '建档立卡日期', example: '2015-10-01' })
  @IsBusinessDate()
  registeredOn: string;
}

export class HouseholdStatusDto {
  @ApiProperty({ description: '脱贫、返贫、剔除', enum: HOUSEHOLD_STATUSES, example: 'exited' })
  @IsIn(HOUSEHOLD_STATUSES)
  status: (typeof HOUSEHOLD_STATUSES)[number];

  @ApiProperty({ description: '日期', example: '2017-12-01' })
  @IsBusinessDate()
  date: string;

  @ApiProperty({ description: '原因', example: '人均纯收入达标，两不愁三保障实现' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  reason: string;

  @ApiPropertyOptional({ description: '文号', example: '县扶贫办〔2017〕12号' })
  @Optional() @IsString() @IsNotEmpty() @MaxLength(100)
  documentNo?: string;
}
