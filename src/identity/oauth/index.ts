export { type CreateOAuthOptions, createOAuth, type OAuth } from './create-oauth.js';
export { oauthErrors } from './errors.js';
export { default as oauthPlugin, type OAuthPluginOptions } from './plugin.js';
export type {
  LinkedIdentity,
  OAuthProviderType,
  OAuthStore,
  StoredOAuthProvider,
} from './store.js';
