import type { MailMessage } from '../../mail/mailer.js';

/**
 * The mails of password change and reset. Plain text, no tracking, and only what the
 * owner needs: when, from where, and what to do if it was not them.
 */

function from(ip: string | undefined): string {
  return ip ?? 'an unknown address';
}

export function resetLinkMail(to: string, link: string, ttlMs: number, ip?: string): MailMessage {
  return {
    to,
    subject: 'Reset your password',
    text: [
      'Someone (hopefully you) asked to reset the password of your account.',
      `Open this link within ${Math.round(ttlMs / 60_000)} minutes to choose a new one; it works once:`,
      '',
      link,
      '',
      `The request came from ${from(ip)}. If it was not you, ignore this message:`,
      'your password stays as it is.',
    ].join('\n'),
  };
}

export function passwordChangedMail(to: string, at: number, ip?: string): MailMessage {
  return {
    to,
    subject: 'Your password was changed',
    text: [
      `The password of your account was changed at ${new Date(at).toISOString()}`,
      `from ${from(ip)}. Every other session was signed out.`,
      '',
      'If this was not you, reset your password at once and contact your administrator.',
    ].join('\n'),
  };
}

export function passwordResetMail(to: string, at: number, ip?: string): MailMessage {
  return {
    to,
    subject: 'Your password was reset',
    text: [
      `The password of your account was reset with an emailed link at ${new Date(at).toISOString()}`,
      `from ${from(ip)}. Every session was signed out.`,
      '',
      'If this was not you, someone can read your mail: secure your mailbox and contact your administrator.',
    ].join('\n'),
  };
}

export function lockedByPasswordChangeMail(to: string, until: string, ip?: string): MailMessage {
  return {
    to,
    subject: 'Your account was locked after failed password attempts',
    text: [
      'Too many wrong current passwords were given to change the password of your account,',
      `the last from ${from(ip)}. It is locked until ${until}.`,
      '',
      'If this was not you, someone holds one of your sessions: reset your password.',
    ].join('\n'),
  };
}
