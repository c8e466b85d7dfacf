import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ROSTER_ROLES } from '@yuantrace/domain';
import { IsBusinessDate, IsClientId, Optional } from '../http/validators';

export class RuleSetVersionDto {
  @ApiProperty({ description: '版本号：紧接最新版本（内置默认阈值为第1版）', example: 2 })
  @IsInt() @Min(2) @Max(1_000_000)
  version: number;

  @ApiProperty({ description: '生效日期：此日及以后发生的事项按本版判断', example: '2018-01-01' })
  @IsBusinessDate()
  effectiveFrom: string;

  @ApiPropertyOptional({ description: '依据文件文号', example: '纪发〔2018〕3号', nullable: true })
  @IsOptional() @IsString() @MaxLength(100)
  documentNo?: string | null;

  @ApiPropertyOptional({ description: '说明', nullable: true })
  @IsOptional() @IsString() @MaxLength(500)
  note?: string | null;

  @ApiProperty({ description: '按规则编号列出的改动（只写改动项，其余沿用上一版）：enabled、severity（red/yellow/blue）、variantSeverity、params',
    example: { 'R-35': { params: { cashLimitFen: 100000 } }, 'R-24': { severity: 'red' } } })
  @IsObject()
  rules: Record<string, unknown>;
}

export class RelativeDto {
  @ApiProperty({ description: '姓名', example: '李四' })
  @IsString() @IsNotEmpty() @MaxLength(50)
  name: string;

  @ApiProperty({ description: '18位公民身份号码；只存于个人信息库', example: '990101197001010011' })
  @IsString()
  idNumber: string;

  @ApiProperty({ description: '关系（配偶、子女、兄弟姐妹……）', example: 'sibling' })
  @IsString() @IsNotEmpty() @MaxLength(30)
  relation: string;
}

export class RosterPersonDto {
  @ApiProperty({ description: '人员编号（由调用方指定）', example: 'CAD-001' })
  @IsClientId()
  personId: string;

  @ApiProperty({ description: '姓名', example: '王五' })
  @IsString() @IsNotEmpty() @MaxLength(50)
  name: string;

  @ApiProperty({ description: '身份：村干部、帮扶责任人、驻村工作队员、第一书记', enum: ROSTER_ROLES, example: 'village_cadre' })
  @IsIn(ROSTER_ROLES)
  role: (typeof ROSTER_ROLES)[number];

  @ApiProperty({ description: '任职或帮扶所在单位（村）', example: '990101001001' })
  @Matches(/^([0-9]{12}|[0-9]{15})$/, { message: 'unitCode must be a 12-digit 行政区划代码' })
  unitCode: string;

  @ApiProperty({ description: '18位公民身份号码；只存于个人信息库', example: '990101197501010013' })
  @IsString()
  idNumber: string;

  @ApiPropertyOptional({ description: '本人银行账号（用于比对收款账户）；只存于个人信息库', example: '6217000000000001' })
  @Optional() @IsString() @Matches(/^[0-9A-Za-z-]{4,40}$/, { message: 'account must be 4–40 letters or digits' })
  account?: string;

  @ApiProperty({ description: '任职起始日期', example: '2015-01-01' })
  @IsBusinessDate()
  from: string;

  @ApiProperty({ type: [RelativeDto], description: '申报的亲属' })
  @IsArray() @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => RelativeDto)
  relatives: RelativeDto[];
}

export class RosterLeavingDto {
  @ApiProperty({ description: '离任日期', example: '2018-06-30' })
  @IsBusinessDate()
  date: string;

  @ApiProperty({ description: '原因', example: '换届' })
  @IsString() @IsNotEmpty() @MaxLength(300)
  reason: string;
}
