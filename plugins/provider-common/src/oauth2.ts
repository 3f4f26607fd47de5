// OAuth2 client-credentials grant (RFC 6749 §4.4), used by the Prometheus and Web providers'
// `authentication.oauth2 {tokenUrl, clientId, clientSecret, scopes}`: the provider fetches a
// token and sends it as `Authorization: Bearer <token>`.
import { ConfigError, type ConfigReader } from "./config.js";
import { goFormEncode } from "./go-format.js";
import { basicAuthHeader, describeUrl, httpRequest } from "./http.js";

export interface OAuth2Config {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** Reads `authentication.oauth2`; undefined when absent. */
export function readOAuth2(authentication: ConfigReader | undefined): OAuth2Config | undefined {
  const oauth2 = authentication?.child("oauth2");
  if (!oauth2) return undefined;
  oauth2.allowOnly(["tokenUrl", "clientId", "clientSecret", "scopes"]);
  const tokenUrl = oauth2.requiredString("tokenUrl");
  try {
    new URL(tokenUrl);
  } catch {
    throw new ConfigError(`${oauth2.path}.tokenUrl is not a URL: ${JSON.stringify(tokenUrl)}`);
  }
  return {
    tokenUrl,
    clientId: oauth2.requiredString("clientId"),
    clientSecret: oauth2.requiredString("clientSecret"),
    scopes: oauth2.stringArray("scopes") ?? [],
  };
}

interface CachedToken {
  accessToken: string;
  /** Epoch ms after which the token is fetched again. */
  refreshAt: number;
}

// Tokens are reused until shortly before they expire, so a 1 s measurement interval does not
// hit the token endpoint every second. Keyed by everything that selects a token.
const tokenCache = new Map<string, CachedToken>();
const EXPIRY_MARGIN_MS = 10_000;

export function clearOAuth2TokenCache(): void {
  tokenCache.clear();
}

export async function fetchClientCredentialsToken(
  config: OAuth2Config,
  options: { deadline: number; insecure?: boolean; timeoutMs?: number },
): Promise<string> {
  const key = JSON.stringify([
    config.tokenUrl,
    config.clientId,
    config.clientSecret,
    config.scopes,
  ]);
  const cached = tokenCache.get(key);
  if (cached && cached.refreshAt > Date.now()) return cached.accessToken;

  const form: Record<string, string> = { grant_type: "client_credentials" };
  if (config.scopes.length > 0) form.scope = config.scopes.join(" ");
  const where = `oauth2: cannot fetch token from ${describeUrl(new URL(config.tokenUrl))}`;
  const send = (credentialsInBody: boolean) =>
    httpRequest({
      method: "POST",
      url: config.tokenUrl,
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
        ...(credentialsInBody
          ? {}
          : {
              Authorization: basicAuthHeader(
                encodeURIComponent(config.clientId),
                encodeURIComponent(config.clientSecret),
              ),
            }),
      },
      body: goFormEncode(
        credentialsInBody
          ? { ...form, client_id: config.clientId, client_secret: config.clientSecret }
          : form,
      ),
      deadline: options.deadline,
      insecure: options.insecure,
      timeoutMs: options.timeoutMs,
    });
  // RFC 6749 §2.3.1: servers must accept HTTP Basic; some only accept the credentials in the
  // body, so a refusal is retried that way (as Go's oauth2 package auto-detects).
  let response = await send(false);
  if (response.status === 400 || response.status === 401) response = await send(true);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(`${where}: ${response.status} ${truncate(response.body)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    throw new Error(`${where}: the token endpoint answered something that is not JSON`);
  }
  const token = (parsed as { access_token?: unknown }).access_token;
  const expiresIn = (parsed as { expires_in?: unknown }).expires_in;
  if (typeof token !== "string" || token === "") {
    throw new Error(`${where}: the answer has no access_token`);
  }
  const lifetimeMs = typeof expiresIn === "number" && expiresIn > 0 ? expiresIn * 1000 : 0;
  if (lifetimeMs > EXPIRY_MARGIN_MS) {
    tokenCache.set(key, {
      accessToken: token,
      refreshAt: Date.now() + lifetimeMs - EXPIRY_MARGIN_MS,
    });
  }
  return token;
}

function truncate(text: string): string {
  return text.length > 512 ? `${text.slice(0, 512)}...` : text;
}
