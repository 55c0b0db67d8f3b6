import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK, type JSONWebKeySet } from 'jose';
import type { AuthorizationDirectory, ClientGrantView, IssuingKey, ResourceServerView, TenantSettingsView } from '../../shared/oauth/ports.js';
import { SCOPES } from '../../shared/auth/index.js';

/**
 * A plain in-memory AuthorizationDirectory with real RS256 keys, for testing the readers (token
 * endpoint, verifier, registration) without the Kafka-folded state. Keys rotate and revoke like
 * Auth0's: rotate makes a new key current and keeps the previous published; revoke unpublishes it.
 */
export class MemoryDirectory implements AuthorizationDirectory {
  readonly apis = new Map<string, ResourceServerView>();
  readonly grants = new Map<string, ClientGrantView>();
  tenant: TenantSettingsView = { enable_dynamic_client_registration: false };
  private keys: Array<{ kid: string; privateKey: KeyObject; jwk: JWK; revoked: boolean }> = [];
  private currentKid: string | undefined;
  private published: JSONWebKeySet = { keys: [] };
  private counter = 0;

  static async create(opts: { managementAudience?: string } = {}): Promise<MemoryDirectory> {
    const d = new MemoryDirectory();
    await d.rotate();
    if (opts.managementAudience) d.addApi({ identifier: opts.managementAudience, name: 'Management API', scopes: SCOPES.map((value) => ({ value })), is_system: true });
    return d;
  }

  addApi(api: Partial<ResourceServerView> & { identifier: string }): ResourceServerView {
    const view: ResourceServerView = { id: `rs_${++this.counter}`, name: api.identifier, scopes: [], token_lifetime: 86400, signing_alg: 'RS256', is_system: false, ...api };
    this.apis.set(view.identifier, view);
    return view;
  }

  addGrant(clientId: string, audience: string, scope: readonly string[]): ClientGrantView {
    const grant: ClientGrantView = { id: `cgr_${++this.counter}`, client_id: clientId, audience, scope };
    this.grants.set(`${clientId} ${audience}`, grant);
    return grant;
  }

  async rotate(): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const kid = `key-${++this.counter}-${Date.now().toString(36)}`;
    this.keys.push({ kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, revoked: false });
    this.currentKid = kid;
    this.republish();
    return kid;
  }

  revoke(kid: string): void {
    if (kid === this.currentKid) throw new Error('the current key cannot be revoked');
    for (const k of this.keys) if (k.kid === kid) k.revoked = true;
    this.republish();
  }

  private republish(): void {
    this.published = { keys: this.keys.filter((k) => !k.revoked).map((k) => k.jwk) };
  }

  resourceServer(identifier: string): ResourceServerView | undefined {
    return this.apis.get(identifier);
  }

  grant(clientId: string, audience: string): ClientGrantView | undefined {
    return this.grants.get(`${clientId} ${audience}`);
  }

  issuingKey(): IssuingKey {
    const key = this.keys.find((k) => k.kid === this.currentKid);
    if (!key) throw new Error('no signing key yet');
    return { kid: key.kid, alg: 'RS256', privateKey: key.privateKey };
  }

  publishedKeys(): JSONWebKeySet {
    return this.published;
  }

  settings(): TenantSettingsView {
    return this.tenant;
  }
}
