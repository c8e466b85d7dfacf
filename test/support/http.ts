import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { Principal } from '@yuantrace/domain';
import { bearer, type Person } from './principals';

/** A thin client: as(person).post(path, body) → supertest response. */
export function client(app: INestApplication) {
  const server = app.getHttpServer();
  return {
    as(who: Person | Principal | 'public') {
      const auth = (r: request.Test) => (who === 'public' ? r : r.set('authorization', bearer(app, who)));
      return {
        get: (path: string) => auth(request(server).get(path)),
        post: (path: string, body: object = {}) => auth(request(server).post(path).send(body)),
        put: (path: string, body: object = {}) => auth(request(server).put(path).send(body)),
      };
    },
  };
}
