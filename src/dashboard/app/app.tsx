import type { ComponentType } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, whenSignedOut } from './api.js';
import { Layout, type NavItem } from './components/layout.js';
import { Loading } from './components/ui.js';
import { AccountPage } from './pages/account.js';
import { AlertsPage } from './pages/alerts.js';
import { ApiKeysPage } from './pages/api-keys.js';
import { AuditPage } from './pages/audit.js';
import { EventsPage } from './pages/events.js';
import { IncidentsPage } from './pages/incidents.js';
import { IpRulesPage } from './pages/ip-rules.js';
import { LoginPage } from './pages/login.js';
import { OverviewPage } from './pages/overview.js';
import { PolicyPage } from './pages/policy.js';
import { RateLimitsPage } from './pages/rate-limits.js';
import { ResetPasswordPage } from './pages/reset-password.js';
import { ResponsesPage } from './pages/responses.js';
import { SettingsPage } from './pages/settings.js';
import { UsersPage } from './pages/users.js';
import { useRoute } from './router.js';
import { can, isAdmin, type Me, SessionContext } from './session.js';

interface PageDef extends NavItem {
  component: ComponentType;
  allowed: (me: Me) => boolean;
}

/**
 * Every page, in navigation order, with who may open it: the same rule as the API behind
 * it, so a page is never offered to someone the server would refuse.
 */
const pages: PageDef[] = [
  {
    page: 'overview',
    label: 'Overview',
    component: OverviewPage,
    allowed: (me) => can(me, 'metrics:read'),
  },
  {
    page: 'events',
    label: 'Live events',
    component: EventsPage,
    allowed: (me) => can(me, 'events:read'),
  },
  {
    page: 'alerts',
    label: 'Alerts',
    component: AlertsPage,
    allowed: (me) => can(me, 'alerts:read'),
  },
  { page: 'incidents', label: 'Incidents', component: IncidentsPage, allowed: isAdmin },
  {
    page: 'responses',
    label: 'Responses & report',
    component: ResponsesPage,
    allowed: isAdmin,
  },
  { page: 'audit', label: 'Audit trail', component: AuditPage, allowed: isAdmin },
  { page: 'users', label: 'Users & sessions', component: UsersPage, allowed: isAdmin },
  { page: 'api-keys', label: 'API keys', component: ApiKeysPage, allowed: () => true },
  { page: 'ip-rules', label: 'Bans & IP rules', component: IpRulesPage, allowed: isAdmin },
  { page: 'rate-limits', label: 'Rate limits', component: RateLimitsPage, allowed: isAdmin },
  {
    page: 'policy',
    label: 'Policy',
    component: PolicyPage,
    allowed: (me) => can(me, 'authz:read'),
  },
  { page: 'settings', label: 'Settings', component: SettingsPage, allowed: isAdmin },
  { page: 'account', label: 'My account', component: AccountPage, allowed: () => true },
];

type State = { kind: 'loading' } | { kind: 'signed-out' } | { kind: 'signed-in'; me: Me };

export function App() {
  const route = useRoute();
  const [state, setState] = useState<State>({ kind: 'loading' });

  const loadMe = useCallback(async () => {
    try {
      setState({ kind: 'signed-in', me: await api.get<Me>('/v1/me') });
    } catch {
      setState({ kind: 'signed-out' });
    }
  }, []);

  useEffect(() => {
    whenSignedOut(() => setState({ kind: 'signed-out' }));
    void loadMe();
  }, [loadMe]);

  if (location.pathname.endsWith('/reset-password')) return <ResetPasswordPage />;
  if (state.kind === 'loading') return <Loading />;
  if (state.kind === 'signed-out') return <LoginPage onSignedIn={() => void loadMe()} />;

  const me = state.me;
  const visible = pages.filter((p) => p.allowed(me));
  const current = visible.find((p) => p.page === route.page) ?? visible[0];
  const Page = current?.component;
  const signOut = async () => {
    await api.post('/v1/auth/logout').catch(() => {});
    setState({ kind: 'signed-out' });
    location.hash = '';
  };
  return (
    <SessionContext.Provider value={me}>
      <Layout nav={visible} current={current?.page ?? ''} me={me} onSignOut={() => void signOut()}>
        {Page ? <Page key={current.page} /> : <p>No page is open to your role.</p>}
      </Layout>
    </SessionContext.Provider>
  );
}
