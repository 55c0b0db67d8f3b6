import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { exchangeClientCredentials } from '../oauth.js';
import { sessionFromToken, type Session } from '../session.js';
import { ErrorBox } from './parts.js';

/** One way to sign in: a form that ends in a Session. */
interface SignInMethod {
  id: string;
  label: string;
  Form: (props: { onSignedIn: (s: Session) => void }) => preact.JSX.Element;
}

const METHODS: SignInMethod[] = [
  { id: 'token', label: 'Token', Form: TokenForm },
  { id: 'client', label: 'Client id and secret', Form: ClientCredentialsForm },
];

export function SignIn(props: { notice: string | undefined; onSignedIn: (s: Session) => void }) {
  const [method, setMethod] = useState(METHODS[0]!.id);
  const chosen = METHODS.find((m) => m.id === method) ?? METHODS[0]!;
  return (
    <section class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title" tabIndex={-1}>Sign in to the apptrail console</h1>
      {props.notice && <p class="notice" role="status">{props.notice}</p>}
      {METHODS.length > 1 && (
        <fieldset class="methods">
          <legend>Sign in with</legend>
          {METHODS.map((m) => (
            <label key={m.id}>
              <input type="radio" id={`method-${m.id}`} name="method" value={m.id} checked={m.id === method} onChange={() => setMethod(m.id)} /> {m.label}
            </label>
          ))}
        </fieldset>
      )}
      <chosen.Form onSignedIn={props.onSignedIn} />
    </section>
  );
}

function TokenForm(props: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(undefined);
    const text = token.trim().replace(/^Bearer\s+/i, '');
    const session = sessionFromToken(text);
    if (!session) {
      setError(new ApiError(400, 'Bad Request', 'That is not an access token (a JWT has three dot-separated parts)', 'invalid_token'));
      return;
    }
    setBusy(true);
    try {
      // Any Management API call proves the token; a 403 (a scope missing) still signs in.
      await api('/logs', { params: { per_page: 0 }, token: text });
      props.onSignedIn(session);
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 403) props.onSignedIn(session);
      else setError(err instanceof ApiError ? err : new ApiError(0, 'Error', String(err), undefined));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} class="stack">
      <label for="token">Access token</label>
      <textarea
        id="token"
        name="token"
        rows={5}
        spellcheck={false}
        autocomplete="off"
        required
        aria-describedby="token-hint"
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
      />
      <div id="token-hint" class="hint">
        <p>
          The token stays in this browser tab only (memory and session storage): closing the tab signs you out.
        </p>
        <details>
          <summary>Get a development token</summary>
          <p>In the folder where <code>npm start</code> runs, in a second terminal:</p>
          <pre><code>npm run token</code></pre>
          <p>
            It prints a token with every Management API scope, signed with the key <code>npm start</code> uses. For fewer
            scopes: <code>npm run token -- --scope "read:logs read:clients"</code>.
          </p>
        </details>
      </div>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  );
}

/**
 * A client's id and secret exchanged at /oauth/token (client_credentials) for a Management API
 * token. The secret lives in this form's state only until the exchange answers: the field is
 * emptied either way, and only the token is kept (session.ts).
 */
function ClientCredentialsForm(props: { onSignedIn: (s: Session) => void }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(undefined);
    setBusy(true);
    const typed = secret;
    setSecret('');
    try {
      props.onSignedIn(await exchangeClientCredentials(clientId.trim(), typed));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'Error', String(err), undefined));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} class="stack">
      <label for="client-id">Client id</label>
      <input id="client-id" name="client_id" spellcheck={false} autocomplete="off" required value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} />
      <label for="client-secret">Client secret</label>
      <input
        id="client-secret"
        name="client_secret"
        type="password"
        spellcheck={false}
        autocomplete="off"
        required
        aria-describedby="client-hint"
        value={secret}
        onInput={(e) => setSecret(e.currentTarget.value)}
      />
      <div id="client-hint" class="hint">
        <p>
          A machine-to-machine client with a grant on the Management API (the first start prints one). The secret is sent
          once to <code>/oauth/token</code> and not kept; the token it buys stays in this tab until it expires.
        </p>
      </div>
      <ErrorBox error={error} />
      <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  );
}
