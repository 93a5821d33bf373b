// HS256 JSON Web Tokens with node:crypto only, verified the way PostgREST v13/v14 verifies a
// token against its `jwt-secret` (src/PostgREST/Auth/Jwt.hs and Error.hs of v14): the errors
// carry PostgREST's code, message and details, so the front can answer them as PostgREST does.
//
//   sign(payload, secret)              -> compact JWS (header {"alg":"HS256","typ":"JWT"})
//   verify(token, secret, nowSeconds)  -> the payload (a JSON object), or throws a JwtError
//
// What verify() checks, in PostgREST's order:
//   * empty token                    PGRST301 "Empty JWT is sent in Authorization header"
//   * not three dot-separated parts  PGRST301 "Expected 3 parts in JWT; got N"
//   * header not base64url JSON, or a signature that is not base64url
//                                    PGRST301 "JWT cryptographic operation failed"
//   * alg "none"                     PGRST301 "Wrong or unsupported encoding algorithm",
//                                    details "JWT is unsecured but expected 'alg' was not 'none'"
//   * any alg but HS256, or a signature that does not match the secret (compared in constant
//     time)                          PGRST301 "No suitable key or wrong key type",
//                                    details "None of the keys was able to decode the JWT"
//     (PostgREST also accepts HS384/HS512 with the same secret; mps's deployments sign HS256,
//     and this module accepts nothing else)
//   * payload not a JSON object      PGRST303 "Parsing claims failed"
//   * exp / nbf / iat not numbers    PGRST303 "The JWT 'exp' claim must be a number" (nbf, iat alike)
//   * exp < now - 30                 PGRST303 "JWT expired"          (30 s clock skew, as PostgREST)
//   * nbf > now + 30                 PGRST303 "JWT not yet valid"
//   * iat > now + 30                 PGRST303 "JWT issued at future"
//   * aud (only when an audience is given in options)
//                                    PGRST303 "JWT not in audience"
// PostgREST v12 (the jose library) answered all of these with PGRST301 and other texts ("JWT
// expired" was the same; a bad signature was "JWSError JWSInvalidSignature").
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CLOCK_SKEW_SECONDS = 30;

export class JwtError extends Error {
  constructor(code, message, details = null) {
    super(message);
    this.name = 'JwtError';
    this.code = code;        // PGRST301 (decoding) or PGRST303 (claims)
    this.details = details;
    this.hint = null;
    this.status = 401;
  }

  // PostgREST's error body (keys in its order: aeson encodes objects with sorted keys).
  toJSON() {
    return { code: this.code, details: this.details, hint: this.hint, message: this.message };
  }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

function hmac(secret, data) {
  return createHmac('sha256', Buffer.isBuffer(secret) ? secret : Buffer.from(String(secret), 'utf8'))
    .update(data)
    .digest();
}

export function sign(payload, secret) {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new TypeError('sign: the payload must be a JSON object');
  }
  if (secret === undefined || secret === null || String(secret).length === 0) {
    throw new TypeError('sign: a secret is required');
  }
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(payload));
  return `${head}.${body}.${b64url(hmac(secret, `${head}.${body}`))}`;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

function decodeJsonPart(part) {
  if (!BASE64URL.test(part)) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// options.audience: when set, a token with an "aud" claim must name it (PostgREST's jwt-aud).
export function verify(token, secret, nowSeconds = Math.floor(Date.now() / 1000), options = {}) {
  if (secret === undefined || secret === null || String(secret).length === 0) {
    const e = new JwtError('PGRST300', 'Server lacks JWT secret');
    e.status = 500;
    throw e;
  }
  const t = token === undefined || token === null ? '' : String(token);
  if (t === '') throw new JwtError('PGRST301', 'Empty JWT is sent in Authorization header');
  const parts = t.split('.');
  if (parts.length !== 3) throw new JwtError('PGRST301', `Expected 3 parts in JWT; got ${parts.length}`);
  const [headPart, bodyPart, sigPart] = parts;

  const header = decodeJsonPart(headPart);
  if (!isObject(header) || typeof header.alg !== 'string' || !BASE64URL.test(sigPart)) {
    throw new JwtError('PGRST301', 'JWT cryptographic operation failed');
  }
  if (header.alg === 'none') {
    throw new JwtError('PGRST301', 'Wrong or unsupported encoding algorithm',
      "JWT is unsecured but expected 'alg' was not 'none'");
  }
  const noKey = () => new JwtError('PGRST301', 'No suitable key or wrong key type',
    'None of the keys was able to decode the JWT');
  if (header.alg !== 'HS256') throw noKey();
  const expected = hmac(secret, `${headPart}.${bodyPart}`);
  const given = Buffer.from(sigPart, 'base64url');
  // timingSafeEqual needs equal lengths; comparing against itself keeps the work the same.
  const sameLength = given.length === expected.length;
  const ok = timingSafeEqual(sameLength ? given : expected, expected) && sameLength;
  if (!ok) throw noKey();

  const claims = decodeJsonPart(bodyPart);
  if (!isObject(claims)) throw new JwtError('PGRST303', 'Parsing claims failed');

  const now = Math.floor(Number(nowSeconds));
  const numeric = (name) => {
    const v = claims[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new JwtError('PGRST303', `The JWT '${name}' claim must be a number`);
    }
    return Math.trunc(v);
  };
  // PostgREST collects the failures in this order and reports the first.
  const exp = numeric('exp');
  if (exp !== undefined && now - CLOCK_SKEW_SECONDS > exp) throw new JwtError('PGRST303', 'JWT expired');
  const nbf = numeric('nbf');
  if (nbf !== undefined && now + CLOCK_SKEW_SECONDS < nbf) throw new JwtError('PGRST303', 'JWT not yet valid');
  const iat = numeric('iat');
  if (iat !== undefined && now + CLOCK_SKEW_SECONDS < iat) throw new JwtError('PGRST303', 'JWT issued at future');
  if (claims.aud !== undefined && claims.aud !== null) {
    const aud = claims.aud;
    const valid = typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
    if (!valid) throw new JwtError('PGRST303', "The JWT 'aud' claim must be a string or an array of strings");
    if (options.audience) {
      const matches = (a) => a === options.audience;
      const inAudience = typeof aud === 'string' ? matches(aud) : aud.length === 0 || aud.some(matches);
      if (!inAudience) throw new JwtError('PGRST303', 'JWT not in audience');
    }
  }
  return claims;
}
