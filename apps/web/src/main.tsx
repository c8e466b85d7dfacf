import { render, type VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { href, useRoute, type Route } from './lib/router';
import { ROLE_NAMES, session, type Principal, type Role } from './lib/session';
import type { ComponentChildren } from 'preact';
import { loadECharts } from './components/chart';

/** The console's menu by role: each role sees the pages its api routes open to it, nothing else. */
type NavItem = { path: string; label: string; roles: Role[] | 'public' };
const NAV: NavItem[] = [
  { path: 'desk', label: '县级驾驶舱', roles: ['finance', 'approver', 'inspector', 'auditor', 'village'] },
  { path: 'queue', label: '待审核', roles: ['approver'] },
  { path: 'projects', label: '项目', roles: ['finance', 'approver', 'inspector', 'auditor', 'village'] },
  { path: 'households', label: '农户', roles: ['finance', 'approver', 'inspector', 'auditor', 'village'] },
  { path: 'alerts', label: '预警', roles: ['finance', 'inspector', 'auditor'] },
  { path: 'cases', label: '案件', roles: ['inspector', 'auditor'] },
  { path: 'board', label: '村级公示', roles: 'public' },
];

const VILLAGE_OF_DEMO = '990101001001';

function Shell({ who, route, children }: { who: Principal | null; route: Route; children: ComponentChildren }) {
  const items = NAV.filter((n) => n.roles === 'public' || (who && n.roles.includes(who.role)));
  const signOut = () => {
    session.signOut();
    location.hash = '#/signin';
  };
  return (
    <>
      <header class="top">
        <a class="title" href={who ? '#/desk' : '#/board'}>扶贫资金台账</a>
        <nav aria-label="主菜单">
          {items.map((n) => (
            <a href={n.path === 'board' ? href(['board', who?.role === 'village' ? who.scope : VILLAGE_OF_DEMO]) : href([n.path])}
              aria-current={route.parts[0] === n.path ? 'page' : undefined}>{n.label}</a>
          ))}
        </nav>
        <span class="who" data-testid="who">
          {who ? <>{ROLE_NAMES[who.role]} · {who.id}<button type="button" onClick={signOut}>退出</button></> : <a href="#/signin" style="color:#fff">登录</a>}
        </span>
      </header>
      <main id="main" tabIndex={-1}>{children}</main>
    </>
  );
}

/**
 * Each page is its own module, fetched when first opened: the first screen of the day loads the shell
 * and one page, not all nine (the browser loads ES modules one import level at a time).
 */
const PAGES = {
  signIn: () => import('./pages/sign-in'),
  desk: () => import('./pages/desk'),
  flow: () => import('./pages/flow'),
  payment: () => import('./pages/payment'),
  project: () => import('./pages/project'),
  queue: () => import('./pages/queue'),
  household: () => import('./pages/household'),
  board: () => import('./pages/board'),
  oversight: () => import('./pages/oversight'),
};

function Lazy<M>({ load, show }: { load: () => Promise<M>; show: (m: M) => VNode }) {
  const [mod, setMod] = useState<{ m: M } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    load().then((m) => live && setMod({ m }), () => live && setFailed(true));
    return () => {
      live = false;
    };
  }, []);
  if (failed) return <p class="error" role="alert">页面加载失败，请检查网络后刷新。</p>;
  return mod ? show(mod.m) : <p class="loading" role="status">正在加载页面…</p>;
}

/**
 * The Sankey page starts fetching ECharts (a megabyte) at once, beside its data; elsewhere the chart
 * is secondary and loads after the figures are drawn.
 */
const CHART_PAGES = new Set(['flow']);

function Page({ route, who }: { route: Route; who: Principal | null }) {
  const [head, id] = route.parts;
  if (who && CHART_PAGES.has(head)) void loadECharts().catch(() => undefined);
  if (head === 'board') return <Lazy load={PAGES.board} show={(m) => <m.BoardPage unitCode={id ?? VILLAGE_OF_DEMO} />} />;
  if (!who || head === 'signin') return <Lazy load={PAGES.signIn} show={(m) => <m.SignInPage />} />;
  switch (head) {
    case undefined:
    case 'desk':
      return <Lazy load={PAGES.desk} show={(m) => <m.DeskPage who={who} />} />;
    case 'flow':
      return <Lazy load={PAGES.flow} show={(m) => <m.FlowPage batchId={id} />} />;
    case 'payments':
      return <Lazy load={PAGES.payment} show={(m) => <m.PaymentPage paymentId={id} who={who} />} />;
    case 'projects':
      return <Lazy load={PAGES.project} show={(m) => (id ? <m.ProjectPage projectId={id} who={who} /> : <m.ProjectListPage who={who} />)} />;
    case 'queue':
      return <Lazy load={PAGES.queue} show={(m) => <m.QueuePage who={who} />} />;
    case 'households':
      return <Lazy load={PAGES.household} show={(m) => (id ? <m.HouseholdPage householdId={id} who={who} /> : <m.HouseholdListPage who={who} />)} />;
    case 'alerts':
      return <Lazy load={PAGES.oversight} show={(m) => (id ? <m.AlertPage alertId={id} who={who} /> : <m.AlertsPage who={who} />)} />;
    case 'cases':
      return <Lazy load={PAGES.oversight} show={(m) => (id ? <m.CasePage caseId={id} who={who} /> : <m.CasesPage who={who} />)} />;
    default:
      return <p class="error" role="alert">没有这个页面。<a href="#/desk">回到驾驶舱</a></p>;
  }
}

let firstPage = true;

function App() {
  const route = useRoute();
  const who = session.principal();
  const key = `${route.path}?${route.query}`;
  // A new page moves focus to its content, as a page load would: a screen reader announces it and
  // the next Tab starts from there, not from the link that was followed.
  useEffect(() => {
    if (firstPage) firstPage = false;
    else document.getElementById('main')?.focus();
  }, [key]);
  return (
    <Shell who={who} route={route}>
      <Page key={key} route={route} who={who} />
    </Shell>
  );
}

// The skip link must not change the address: after `#` is the page, so it moves focus instead.
document.querySelector('a.skip')?.addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main')?.focus();
});

const root = document.getElementById('app')!;
root.textContent = ''; // the "loading" line the page carries until the script runs
render(<App />, root);
