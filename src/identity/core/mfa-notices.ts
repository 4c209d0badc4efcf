import type { MailMessage } from '../../mail/mailer.js';

/**
 * The mails that tell an owner their second factor changed. A change they did not make
 * is a sign someone else holds a session of theirs: turning MFA on locks them out of
 * their own account, turning it off removes a defence. Plain text, no secrets.
 */

function from(ip: string | undefined): string {
  return ip ?? 'an unknown address';
}

function when(at: number): string {
  return new Date(at).toISOString();
}

const notYou = 'If this was not you, change your password at once and contact your administrator.';

export function mfaEnabledMail(to: string, at: number, ip?: string): MailMessage {
  return {
    to,
    subject: 'Two-factor sign-in was turned on',
    text: [
      `An authenticator app was added to your account at ${when(at)} from ${from(ip)}.`,
      'Signing in now needs a code from it, or one of your recovery codes.',
      '',
      notYou,
    ].join('\n'),
  };
}

export function mfaDisabledMail(to: string, at: number, ip?: string): MailMessage {
  return {
    to,
    subject: 'Two-factor sign-in was turned off',
    text: [
      `Two-factor sign-in was turned off for your account at ${when(at)} from ${from(ip)}.`,
      'Signing in now needs only your password.',
      '',
      notYou,
    ].join('\n'),
  };
}

export function mfaResetMail(to: string, at: number): MailMessage {
  return {
    to,
    subject: 'An administrator removed your two-factor sign-in',
    text: [
      `An administrator removed the authenticator app and recovery codes of your account at ${when(at)}.`,
      'Set up two-factor sign-in again after your next sign-in.',
      '',
      'If you did not ask for this, contact your administrator.',
    ].join('\n'),
  };
}

export function recoveryCodesRegeneratedMail(to: string, at: number, ip?: string): MailMessage {
  return {
    to,
    subject: 'New recovery codes were made',
    text: [
      `New recovery codes were made for your account at ${when(at)} from ${from(ip)}.`,
      'The previous ones no longer work.',
      '',
      notYou,
    ].join('\n'),
  };
}

export function recoveryCodeUsedMail(
  to: string,
  at: number,
  remaining: number,
  ip?: string,
): MailMessage {
  return {
    to,
    subject: 'A recovery code was used to sign in',
    text: [
      `One of your recovery codes signed in to your account at ${when(at)} from ${from(ip)}.`,
      `${remaining} unused recovery code${remaining === 1 ? '' : 's'} left; each works once.`,
      ...(remaining <= 3 ? ['Make new ones soon (POST /v1/mfa/recovery-codes).'] : []),
      '',
      notYou,
    ].join('\n'),
  };
}
