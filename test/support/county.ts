import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { bearer } from './principals';

/** 演示省 → 演示市 → 演示县 → 一乡 → 两个村, and a neighbouring county; registered through the API. */
export const UNITS = [
  { code: '990000000000', name: '演示省', level: 'province', parentCode: null },
  { code: '990100000000', name: '演示市', level: 'city', parentCode: '990000000000' },
  { code: '990101000000', name: '演示县', level: 'county', parentCode: '990100000000' },
  { code: '990101001000', name: '双龙乡', level: 'township', parentCode: '990101000000' },
  { code: '990101001001', name: '双龙村', level: 'village', parentCode: '990101001000' },
  { code: '990101001002', name: '指南村', level: 'village', parentCode: '990101001000' },
  { code: '990102000000', name: '邻县', level: 'county', parentCode: '990100000000' },
  { code: '990102001000', name: '邻乡', level: 'township', parentCode: '990102000000' },
  { code: '990102001001', name: '邻村', level: 'village', parentCode: '990102001000' },
] as const;

export async function registerCounty(app: INestApplication): Promise<void> {
  for (const u of UNITS) {
    await request(app.getHttpServer())
      .put(`/admin-units/${u.code}`)
      .set('authorization', bearer(app, 'centralFinance'))
      .send({ name: u.name, level: u.level, parentCode: u.parentCode })
      .expect(200);
  }
}

/** 立项 and 开工: what a project needs before advances (approval) and progress payments (start). */
export async function approveAndStart(app: INestApplication, projectId: string, approved = '2016-04-05', started: string | null = '2016-04-10') {
  const fin = (path: string, body: object) =>
    request(app.getHttpServer()).post(path).set('authorization', bearer(app, 'countyFinance')).send(body).expect(201);
  await fin(`/projects/${projectId}/milestones`, { milestoneId: `${projectId}-approved`, kind: 'approved', date: approved, documentNo: '县扶贫办〔2016〕3号' });
  if (started) await fin(`/projects/${projectId}/milestones`, { milestoneId: `${projectId}-started`, kind: 'started', date: started });
}

/** 进度: the share of the work reported done, which caps what progress payments may claim in all (advances and holds included). */
export async function reportProgress(app: INestApplication, projectId: string, percentComplete: number, date: string, milestoneId = `${projectId}-progress-${percentComplete}`) {
  await request(app.getHttpServer()).post(`/projects/${projectId}/milestones`).set('authorization', bearer(app, 'countyFinance'))
    .send({ milestoneId, kind: 'progress', date, percentComplete }).expect(201);
}

/** A valid identity number of the fictional province 99 (so it can never be a real person's). */
export function testIdNumber(birth: string, seq: number): string {
  const { withCheckDigit } = require('@yuantrace/domain') as typeof import('@yuantrace/domain');
  return withCheckDigit(`990101${birth.replace(/-/g, '')}${String(seq).padStart(3, '0')}`);
}

export function registerHousehold(app: INestApplication, householdId: string, seq: number, unitCode = '990101001001', over: object = {}) {
  return request(app.getHttpServer()).post('/households').set('authorization', bearer(app, 'countyFinance')).send({
    householdId, unitCode, head: { name: `户主${seq}`, idNumber: testIdNumber('1970-01-01', seq) }, members: [], category: 'general', causes: ['ILLNESS'],
    registeredOn: '2015-10-01', ...over,
  });
}

/**
 * A county batch funding a village road (双龙村) of the same amount: approved 04-05, started 04-10,
 * `progress`% reported on 05-20, the allocation made on 04-20. What payment tests start from.
 */
export async function fundedRoad(app: INestApplication, ids: { batchId: string; projectId: string; allocationId: string }, amount = '100000.00', progress = 100) {
  const fin = (path: string, body: object) =>
    request(app.getHttpServer()).post(path).set('authorization', bearer(app, 'countyFinance')).send(body).expect(201);
  await fin('/fund-batches', { batchId: ids.batchId, documentNo: `县财〔2016〕${ids.batchId}号`, title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
    recipientUnitCode: '990101000000', fiscalYear: 2016, amount, effectiveDate: '2016-03-01', purpose: '基础设施' });
  await fin('/projects', { projectId: ids.projectId, name: '村道硬化', type: 'ROAD', unitCode: '990101001001', implementer: '村委', budget: amount,
    plannedStart: '2016-04-01', plannedEnd: '2016-10-31' });
  await approveAndStart(app, ids.projectId);
  await reportProgress(app, ids.projectId, progress, '2016-05-20');
  await fin(`/fund-batches/${ids.batchId}/allocations`, { allocationId: ids.allocationId, target: { type: 'project', projectId: ids.projectId }, amount,
    effectiveDate: '2016-04-20', documentNo: `县财发〔2016〕${ids.allocationId}号` });
}
