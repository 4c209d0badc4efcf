import type { Page } from 'playwright-core';

/**
 * A basic accessibility check in the spirit of axe-core's most common rules: landmarks,
 * one h1, every form control and button with an accessible name, and WCAG AA contrast
 * (4.5:1) for the theme's text colour pairs. Returns the problems found (none is good).
 * The script is a string: it runs in the page, and the tests' TypeScript has no DOM types.
 */
export function checkAccessibility(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    const problems = [];
    for (const selector of ['main', 'nav', 'header']) {
      if (!document.querySelector(selector)) problems.push('no ' + selector + ' landmark');
    }
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1) problems.push(h1 + ' h1 elements');
    const nameOf = (el) => {
      const labelled = el.getAttribute('aria-labelledby');
      if (labelled) return labelled.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
      if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
      if (el.id && document.querySelector('label[for="' + el.id + '"]')) return document.querySelector('label[for="' + el.id + '"]').textContent.trim();
      if (el.closest('label')) return el.closest('label').textContent.trim();
      return (el.textContent ?? '').trim();
    };
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      if (!nameOf(el)) problems.push('unlabelled ' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (!nameOf(el)) problems.push('nameless ' + el.tagName.toLowerCase() + ' ' + el.outerHTML.slice(0, 80));
    }
    const rgb = (c) => {
      const probe = document.createElement('span');
      probe.style.color = c;
      document.body.append(probe);
      const m = getComputedStyle(probe).color.match(/[0-9.]+/g).map(Number);
      probe.remove();
      return m.slice(0, 3);
    };
    const lum = (c) => {
      const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const css = getComputedStyle(document.documentElement);
    const v = (n) => css.getPropertyValue(n).trim();
    const pairs = [['--text', '--surface'], ['--text', '--bg'], ['--text-muted', '--surface'], ['--text-muted', '--bg'],
      ['--accent-text', '--accent'], ['--accent', '--surface'], ['--danger', '--surface'], ['--good-fg', '--good-bg'],
      ['--warn-fg', '--warn-bg'], ['--bad-fg', '--bad-bg'], ['--neutral-fg', '--neutral-bg']];
    for (const [fg, bg] of pairs) {
      const r = ratio(v(fg), v(bg));
      if (r < 4.5) problems.push('contrast ' + fg + ' on ' + bg + ' is ' + r.toFixed(2));
    }
    return problems;
  })()`);
}
