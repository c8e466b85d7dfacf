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
