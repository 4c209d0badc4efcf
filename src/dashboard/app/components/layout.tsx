import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { href } from '../router.js';
import type { Me } from '../session.js';

export interface NavItem {
  page: string;
  label: string;
}

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('rampart.theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Applies the theme to the document (CSS variables switch on `data-theme`). */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const toggle = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('rampart.theme', next);
    setTheme(next);
  };
  return [theme, toggle];
}

export function Layout(props: {
  nav: NavItem[];
  current: string;
  me: Me;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const [theme, toggleTheme] = useTheme();
  const title = props.nav.find((n) => n.page === props.current)?.label;
  // Moving between pages moves focus to the new page's heading, as a page load would; the
  // first page leaves focus at the start, so the first Tab reaches the skip link.
  const first = useRef(true);
  useEffect(() => {
    document.title = title ? `${title} · Rampart` : 'Rampart';
    if (first.current) first.current = false;
    else document.getElementById('page-title')?.focus();
  }, [title]);
  return (
    <div class="shell">
      {/* A button: the fragment holds the route, so a #main link would change the page. */}
      <button
        type="button"
        class="skip-link"
        onClick={() => document.getElementById('main')?.focus()}
      >
        Skip to content
      </button>
      <header class="topbar">
        <span class="brand">Rampart</span>
        <div class="topbar-right">
          <span class="who">
            {props.me.email} <span class="muted">({props.me.roles.join(', ') || 'no role'})</span>
          </span>
          <button type="button" class="button-secondary" onClick={toggleTheme}>
            {theme === 'dark' ? 'Light theme' : 'Dark theme'}
          </button>
          <button type="button" class="button-secondary" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav class="sidebar" aria-label="Main">
        <ul>
          {props.nav.map((n) => (
            <li key={n.page}>
              <a href={href(n.page)} aria-current={n.page === props.current ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" class="content" tabIndex={-1}>
        {props.children}
      </main>
    </div>
  );
}
