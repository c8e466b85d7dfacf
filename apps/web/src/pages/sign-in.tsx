import { useState } from 'preact/hooks';
import { useApi } from '../lib/api';
import { ROLE_NAMES, session, type Principal } from '../lib/session';

type DemoPrincipal = Principal & { token: string };

/**
 * Sign-in: paste a token (`npm run cli -- token …` issues one). In the embedded demo the api lists
 * the demo principals, one per role, to pick from.
 */
export function SignInPage() {
  const demo = useApi<{ principals: DemoPrincipal[] }>('/demo/principals');
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const enter = (t: string) => {
    const p = session.signIn(t);
    if (!p) return setProblem('令牌无效或已过期：请粘贴完整的令牌（以 eyJ 开头的三段文字）');
    location.hash = p.role === 'approver' ? '#/queue' : '#/desk';
  };
  return (
    <>
      <h1>登录</h1>
      <p class="sub">扶贫资金台账：每一元钱，从下达文号到农户的银行卡，都可追溯；任何页面都可回看到任一日期。</p>
      {demo.data && (
        <section class="card" aria-label="演示用户">
          <h2>演示模式：选择一个演示用户</h2>
          <div class="row">
            {demo.data.principals.map((p) => (
              <button type="button" class="primary" data-role={p.role} onClick={() => enter(p.token)}>
                {ROLE_NAMES[p.role]}（{p.id}）
              </button>
            ))}
          </div>
          <p class="muted">演示县：演示省 › 演示市 › 演示县；村干部只能看到双龙村。</p>
        </section>
      )}
      <form class="card" onSubmit={(e) => (e.preventDefault(), enter(token))}>
        <label>
          访问令牌
          <textarea name="token" rows={4} style="width:100%" value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)}
            placeholder="eyJhbGciOi…" />
        </label>
        <p><button type="submit" class="primary">登录</button></p>
        {problem && <p class="error" role="alert">{problem}</p>}
      </form>
      <p><a href="#/board">不登录，查看村级公示 →</a></p>
    </>
  );
}
