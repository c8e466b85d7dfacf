import type { Principal } from '../lib/session';
export function ProjectPage({ projectId }: { projectId: string; who: Principal }) {
  return <h1>项目 {projectId}</h1>;
}
export function ProjectListPage(_: { who: Principal }) {
  return <h1>项目</h1>;
}
