import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { href, useRoute, type Route } from './lib/router';
import { ROLE_NAMES, session, type Principal, type Role } from './lib/session';
import { SignInPage } from './pages/sign-in';
import { DeskPage } from './pages/desk';
import { FlowPage } from './pages/flow';
import { PaymentPage } from './pages/payment';
import { ProjectPage, ProjectListPage } from './pages/project';
import { QueuePage } from './pages/queue';
import { HouseholdPage, HouseholdListPage } from './pages/household';
import { BoardPage } from './pages/board';
import { AlertsPage, AlertPage, CasesPage, CasePage } from './pages/oversight';
import type { ComponentChildren } from 'preact';

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

function Page({ route, who }: { route: Route; who: Principal | null }) {
  const [head, id] = route.parts;
  if (head === 'board') return <BoardPage unitCode={id ?? VILLAGE_OF_DEMO} />;
  if (!who || head === 'signin') return <SignInPage />;
  switch (head) {
    case undefined:
    case 'desk':
      return <DeskPage who={who} />;
    case 'flow':
      return <FlowPage batchId={id} />;
    case 'payments':
      return <PaymentPage paymentId={id} who={who} />;
    case 'projects':
      return id ? <ProjectPage projectId={id} who={who} /> : <ProjectListPage who={who} />;
    case 'queue':
      return <QueuePage who={who} />;
    case 'households':
      return id ? <HouseholdPage householdId={id} who={who} /> : <HouseholdListPage who={who} />;
    case 'alerts':
      return id ? <AlertPage alertId={id} who={who} /> : <AlertsPage who={who} />;
    case 'cases':
      return id ? <CasePage caseId={id} who={who} /> : <CasesPage who={who} />;
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
