import { useEffect, useState } from 'preact/hooks';
import { ApiError, endSession, setUnauthorizedHandler } from './api.js';
import { getSession, onSessionChange, setSession, type Session } from './session.js';
import { linkProps, navigate, useRoute } from './router.js';
import { SignIn } from './views/sign-in.js';
import { AuditExplorer } from './views/audit.js';
import { ClientList, ClientDetail } from './views/clients.js';
import { LogStreams } from './views/log-streams.js';
import { Tenant } from './views/tenant.js';

const NAV = [
  { to: '/logs', label: 'Audit log' },
  { to: '/clients', label: 'Clients' },
  { to: '/log-streams', label: 'Log streams' },
  { to: '/tenant', label: 'APIs and keys' },
];

export function App() {
  const [session, setCurrent] = useState<Session | undefined>(getSession);
  const [notice, setNotice] = useState<string | undefined>();
  const route = useRoute();

  useEffect(() => onSessionChange(setCurrent), []);
  useEffect(() => {
    setUnauthorizedHandler((err) => setNotice(`You were signed out: ${err.message}${err.errorCode ? ` (${err.errorCode})` : ''}`));
  }, []);
  // An expired token is refused anyway; ending the session on time says why before a click fails.
  useEffect(() => {
    if (session?.expiresAt === undefined) return;
    const timer = setTimeout(
      () => endSession(new ApiError(401, 'Unauthorized', 'your access token expired; sign in again', 'token_expired')),
      Math.max(0, Math.min(session.expiresAt - Date.now(), 2 ** 31 - 1)),
    );
    return () => clearTimeout(timer);
  }, [session?.expiresAt]);
  // Focus the new page's heading, so keyboard and screen-reader users start where the page does.
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [route.path, session === undefined]);

  if (!session) {
    return (
      <main id="main" class="signin-page">
        <SignIn
          notice={notice}
          onSignedIn={(s) => {
            setNotice(undefined);
            setSession(s);
            if (route.path === '/' || route.path === '/sign-in') navigate('/logs', { replace: true });
          }}
        />
      </main>
    );
  }

  const page = pageFor(route.path, route.search);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">apptrail</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <a {...linkProps(n.to)} aria-current={route.path.startsWith(n.to) ? 'page' : undefined}>{n.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" title={session.scopes.join(' ')}>
          {session.name ?? session.subject}
        </span>
        <button type="button" class="link" onClick={() => setSession(undefined)}>Sign out</button>
      </header>
      <main id="main">{page}</main>
    </>
  );
}

function pageFor(path: string, search: URLSearchParams) {
  if (path === '/' || path === '/sign-in') {
    queueMicrotask(() => navigate('/logs', { replace: true }));
    return null;
  }
  if (path === '/logs') return <AuditExplorer initial={search} />;
  if (path === '/clients') return <ClientList />;
  const client = /^\/clients\/([^/]+)$/.exec(path);
  if (client?.[1]) return <ClientDetail id={decodeURIComponent(client[1])} />;
  if (path === '/log-streams') return <LogStreams />;
  if (path === '/tenant') return <Tenant />;
  return (
    <section>
      <h1 tabIndex={-1}>Not found</h1>
      <p>The console has no page at {path}. <a {...linkProps('/logs')}>Go to the audit log</a>.</p>
    </section>
  );
}
