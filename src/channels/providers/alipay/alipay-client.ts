import { AlipayRequestError, AlipaySdk, AlipaySdkCommonResult } from 'alipay-sdk';
import { beijingTime } from '../china-time';
import { ProviderError } from '../payment-provider.port';
import { parseRsaPrivateKey, parseRsaPublicKey } from '../rsa-keys';
import { AlipayConfig } from './alipay-config';

/** What `alipay.*` methods answer: `code` 10000 is success, anything else carries `sub_code`. */
export type AlipayResult = AlipaySdkCommonResult & Record<string, unknown>;

/** Alipay's answers that mean "its side is in trouble", not "your request is wrong". */
const UNAVAILABLE_SUB_CODES = new Set([
  'ACQ.SYSTEM_ERROR',
  'aop.ACQ.SYSTEM_ERROR',
  'isp.unknow-error',
]);

/**
 * One channel's OpenAPI client: the official alipay-sdk signs every request (RSA2), calls
 * `gateway_url` and verifies Alipay's response signature; this class only turns its failures
 * into the port's ProviderError kinds and pins the request timestamp to Beijing time, which
 * is what the gateway checks whatever the server's own time zone.
 */
export class AlipayClient {
  private readonly sdk: AlipaySdk;

  constructor(config: AlipayConfig, timeoutMs: number) {
    const privateKey = parseRsaPrivateKey(config.private_key);
    const publicKey = parseRsaPublicKey(config.alipay_public_key);
    if (!privateKey || !publicKey) throw new ProviderError('rejected', 'alipay: unusable keys');
    this.sdk = new AlipaySdk({
      appId: config.app_id,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      keyType: 'PKCS8',
      alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
      gateway: config.gateway_url,
      signType: 'RSA2',
      timeout: timeoutMs,
      // keep Alipay's snake_case field names, as its documentation spells them
      camelcase: false,
    });
  }

  /**
   * Calls an OpenAPI method. Answers with code 10000 and business failures (40004 …) are
   * returned for the caller to read; transport failures, 5xx, unverifiable answers and
   * Alipay's own system errors throw `timeout`/`unavailable`.
   */
  async call(
    method: string,
    bizContent: Record<string, unknown>,
    params: Record<string, string> = {},
  ): Promise<AlipayResult> {
    let result: AlipayResult;
    try {
      result = (await this.sdk.exec(
        method,
        { ...params, timestamp: beijingTime(Date.now()), bizContent },
        { validateSign: true },
      )) as AlipayResult;
    } catch (error) {
      throw transportFailure(method, error);
    }
    if (result.code === '20000' || UNAVAILABLE_SUB_CODES.has(String(result.sub_code))) {
      throw new ProviderError(
        'unavailable',
        `alipay ${method}: ${String(result.sub_msg ?? result.msg)}`,
        String(result.sub_code ?? result.code),
      );
    }
    return result;
  }

  /** A signed GET link for the page products (alipay.trade.page.pay / wap.pay): nothing is sent. */
  pageUrl(method: string, bizContent: Record<string, unknown>, params: Record<string, string>) {
    return this.sdk.pageExecute(method, 'GET', {
      ...params,
      timestamp: beijingTime(Date.now()),
      bizContent,
    });
  }

  /**
   * Verifies an asynchronous notification's RSA2 signature over the sorted `key=value` pairs
   * without `sign` (the SDK tries with and without `sign_type`, as Alipay's own SDKs do).
   * Values are used as decoded from the form, never decoded twice.
   */
  verifyNotification(params: Record<string, string>): boolean {
    try {
      return this.sdk.checkNotifySignV2(params);
    } catch {
      return false;
    }
  }
}

function transportFailure(method: string, error: unknown): ProviderError {
  const cause = error instanceof AlipayRequestError ? error.cause : undefined;
  const name = cause instanceof Error ? cause.name : '';
  if (/timeout/i.test(name)) return new ProviderError('timeout', `alipay ${method}: timed out`);
  const message = error instanceof Error ? error.message : String(error);
  // network errors, HTTP 5xx, unparsable or unverifiable answers: the channel cannot be trusted now
  return new ProviderError('unavailable', `alipay ${method}: ${message.slice(0, 200)}`);
}
