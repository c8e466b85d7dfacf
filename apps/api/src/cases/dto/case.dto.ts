import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ACCOUNTABILITY_MEASURES, CASE_SOURCES, FINDING_TYPES, RECTIFICATION_KINDS } from '@yuantrace/domain';
import { IsBusinessDate, IsClientId, IsYuan, Optional } from '../../http/validators';

const UNIT_CODE = /^([0-9]{12}|[0-9]{15})$/;
/** Alert ids name the rule, the kind of subject and its id: `R-35.payment.G-PAY-0000001`. */
const ALERT_ID = /^[A-Za-z0-9._-]{1,200}$/;

export class OpenCaseDto {
  @ApiProperty({ description: '案件编号（由调用方指定）', example: 'CASE-2018-001' })
  @IsClientId()
  caseId: string;

  @ApiProperty({ description: '案件名称', example: '双龙村到户补贴现金发放问题' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  title: string;

  @ApiProperty({ description: '线索来源：alert 线上预警（须至少一条预警）；complaint 信访举报、inspection 监督检查（可不附预警）', enum: CASE_SOURCES, example: 'alert' })
  @IsIn(CASE_SOURCES)
  source: (typeof CASE_SOURCES)[number];

  @ApiProperty({ description: '被检查单位（须在立案人辖区内）', example: '990101000000' })
  @Matches(UNIT_CODE, { message: 'subjectUnitCode must be a 12-digit 行政区划代码' })
  subjectUnitCode: string;

  @ApiProperty({ description: '所依据的预警编号（须存在且位于被检查单位内）', isArray: true, type: String, example: ['R-35.payment.G-PAY-0000001'] })
  @IsArray() @ArrayMaxSize(100) @Matches(ALERT_ID, { each: true, message: 'alertIds must be alert ids such as R-35.payment.G-PAY-0000001' })
  alertIds: string[];

  @ApiProperty({ description: '异地交叉检查：是则被检查单位所在地的检查人员不得办理（R-30）', example: true })
  @IsBoolean()
  crossInspection: boolean;

  @ApiProperty({ description: '整改期限', example: '2018-06-30' })
  @IsBusinessDate()
  dueDate: string;

  @ApiProperty({ description: '立案日期', example: '2018-03-01' })
  @IsBusinessDate()
  effectiveDate: string;
}

export class FindingDto {
  @ApiProperty({ description: '问题编号（案内唯一）', example: 'F-1' })
  @IsClientId()
  findingId: string;

  @ApiProperty({ description: '问题类型：截留、挤占、挪用、虚报、冒领、挥霍浪费、优亲厚友、形式主义、数据不实、失职失责', enum: FINDING_TYPES, example: 'FRAUDULENT_CLAIM' })
  @IsIn(FINDING_TYPES)
  findingType: (typeof FINDING_TYPES)[number];

  @ApiProperty({ description: '核实情况', example: '村会计以现金代领3户到户补贴' })
  @IsString() @IsNotEmpty() @MaxLength(2000)
  description: string;

  @ApiPropertyOptional({ description: '涉及金额（元）；给出时销号须全额追回或说明原因', example: '3000.00' })
  @Optional() @IsYuan()
  amount?: string;

  @ApiPropertyOptional({ description: '责任人', isArray: true, type: String, example: ['王某（村会计）'] })
  @Optional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @IsNotEmpty({ each: true }) @MaxLength(100, { each: true })
  responsiblePersons?: string[];

  @ApiProperty({ description: '核实日期', example: '2018-03-10' })
  @IsBusinessDate()
  effectiveDate: string;
}

export class ReturnRefDto {
  @ApiProperty({ description: '退回所在的资金批次', example: 'FB-2018-C-001' })
  @IsClientId()
  batchId: string;

  @ApiProperty({ description: '退回编号', example: 'RT-001' })
  @IsClientId()
  returnId: string;
}

export class RectificationDto {
  @ApiProperty({ description: '整改编号（案内唯一）', example: 'R-1' })
  @IsClientId()
  rectificationId: string;

  @ApiProperty({ description: 'funds_recovered 追回资金（须指向台账中的红冲支付或退回）；accountability 问责；other 其他整改', enum: RECTIFICATION_KINDS, example: 'funds_recovered' })
  @IsIn(RECTIFICATION_KINDS)
  kind: (typeof RECTIFICATION_KINDS)[number];

  @ApiPropertyOptional({ description: '所整改的问题编号（追回资金时必填）', example: 'F-1' })
  @Optional() @IsClientId()
  findingId?: string;

  @ApiPropertyOptional({ description: '整改说明', example: '已追回并重新发放到户' })
  @Optional() @IsString() @MaxLength(2000)
  description?: string;

  @ApiProperty({ description: '整改日期', example: '2018-04-02' })
  @IsBusinessDate()
  effectiveDate: string;

  @ApiPropertyOptional({ description: '追回金额（元，kind=funds_recovered）', example: '3000.00' })
  @Optional() @IsYuan()
  amount?: string;

  @ApiPropertyOptional({ description: '追回所依据的已红冲支付（kind=funds_recovered）', isArray: true, type: String, example: ['PAY-001'] })
  @Optional() @IsArray() @ArrayMaxSize(100) @IsClientId({ each: true })
  paymentIds?: string[];

  @ApiPropertyOptional({ description: '追回所依据的资金退回（kind=funds_recovered）', type: [ReturnRefDto] })
  @Optional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ReturnRefDto)
  returns?: ReturnRefDto[];

  @ApiPropertyOptional({ description: '被问责人（kind=accountability）', example: '王某' })
  @Optional() @IsString() @IsNotEmpty() @MaxLength(100)
  personName?: string;

  @ApiPropertyOptional({ description: '问责方式（kind=accountability）：诫勉谈话、通报批评、警告、严重警告、撤职、移送司法机关', enum: ACCOUNTABILITY_MEASURES })
  @Optional() @IsIn(ACCOUNTABILITY_MEASURES)
  measure?: (typeof ACCOUNTABILITY_MEASURES)[number];
}

export class ShortfallDto {
  @ApiProperty({ description: '未全额追回的问题编号', example: 'F-1' })
  @IsClientId()
  findingId: string;

  @ApiProperty({ description: '未追回的原因', example: '当事人已死亡，无法追回' })
  @IsString() @IsNotEmpty() @MaxLength(1000)
  note: string;
}

export class ClosureProposalDto {
  @ApiPropertyOptional({ description: '销号意见', example: '问题已整改到位，申请销号' })
  @Optional() @IsString() @MaxLength(2000)
  comment?: string;

  @ApiPropertyOptional({ description: '未全额追回的问题及原因', type: [ShortfallDto] })
  @Optional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ShortfallDto)
  shortfalls?: ShortfallDto[];

  @ApiProperty({ description: '申请销号日期', example: '2018-04-10' })
  @IsBusinessDate()
  effectiveDate: string;
}

export class ClosureConfirmationDto {
  @ApiProperty({ description: 'true 同意销号；false 退回（须写明意见）', example: true })
  @IsBoolean()
  confirmed: boolean;

  @ApiPropertyOptional({ description: '审核意见', example: '同意销号' })
  @Optional() @IsString() @MaxLength(2000)
  comment?: string;

  @ApiProperty({ description: '审核日期', example: '2018-04-11' })
  @IsBusinessDate()
  effectiveDate: string;
}
