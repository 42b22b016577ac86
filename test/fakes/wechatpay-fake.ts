import {
  createCipheriv,
  createHash,
  createSign,
  createVerify,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { ServerResponse } from 'node:http';
import { deliver, FakeRequest, FakeServer, fakeFee, yuanText } from './fake-server';

/** A test merchant's API key pair (apiclient_key.pem is PKCS#8) and its certificate serial. */
export function wechatpayMerchantKeys() {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: pair.publicKey,
    serialNo: randomBytes(20).toString('hex').toUpperCase(),
  };
}

type TradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'PAYERROR';
type Json = Record<string, unknown>;

export interface WechatpayOrder {
  outTradeNo: string;
  transactionId: string;
  tradeType: 'NATIVE' | 'MWEB' | 'JSAPI';
  /** JSAPI: the payer it was made for. */
  openid: string | null;
  description: string;
  total: number;
  notifyUrl: string;
  state: TradeState;
  createdAt: number;
  paidAt: number | null;
}

export interface WechatpayRefund {
  outRefundNo: string;
  refundId: string;
  outTradeNo: string;
  refund: number;
  total: number;
  notifyUrl: string;
  status: 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
  createdAt: number;
  succeededAt: number | null;
}

export interface NotifyOptions {
  /** Replaces fields of the decrypted resource before it is encrypted and signed. */
  overrides?: Json;
  signWith?: KeyObject;
  serial?: string;
  /** Unix seconds for Wechatpay-Timestamp. */
  timestamp?: number;
  apiv3Key?: string;
  /** Changes the body after it was signed. */
  tamper?: boolean;
}

/** RFC 3339 in Beijing time, as WeChat Pay writes times. */
export function rfc3339(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

/**
 * WeChat Pay API v3, faked on loopback with its own RSA key (the "WeChat Pay public key" and
 * its PUB_KEY_ID): every request's WECHATPAY2-SHA256-RSA2048 Authorization is checked with the
 * test merchant's public key (401 SIGN_ERROR otherwise); orders and refunds are kept in memory;
 * answers use v3's shapes and codes (404 ORDER_NOT_EXIST / RESOURCE_NOT_EXISTS, 400
 * INVALID_REQUEST…) and carry Wechatpay-* signature headers; notifications are encrypted with
 * AEAD_AES_256_GCM under the APIv3 key and signed; the trade bill is served for download.
 */
export class WechatpayFake {
  readonly keyId = `PUB_KEY_ID_${randomBytes(12).toString('hex').toUpperCase()}`;
  readonly orders = new Map<string, WechatpayOrder>();
  readonly refunds = new Map<string, WechatpayRefund>();
  /** Requests that passed the signature check. */
  readonly calls: { method: string; path: string; body: Json | null }[] = [];
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly bills = new Map<string, Buffer>();
  private readonly refusals: { status: number; code: string }[] = [];
  private seq = 0;

  private constructor(
    private readonly server: FakeServer,
    private readonly merchant: {
      mchid: string;
      appid: string;
      serialNo: string;
      publicKey: KeyObject;
      apiv3Key: string;
    },
  ) {}

  static async start(merchant: {
    mchid: string;
    appid: string;
    serialNo: string;
    publicKey: KeyObject;
    apiv3Key: string;
  }) {
    const ref: { fake?: WechatpayFake } = {};
    const server = await FakeServer.start((req, res) => ref.fake!.handle(req, res));
    ref.fake = new WechatpayFake(server, merchant);
    return ref.fake;
  }

  get baseUrl(): string {
    return this.server.url;
  }

  get publicKeyPem(): string {
    return this.key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  }

  failNext(count: number, fault: { status: number } | { hang: true }): void {
    this.server.failNext(count, fault);
  }

  /** The next request is refused with this v3 error. */
  refuseNext(status: number, code: string): void {
    this.refusals.push({ status, code });
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** The payer is entering the password: the order reads USERPAYING. */
  setState(outTradeNo: string, state: TradeState): void {
    this.order(outTradeNo).state = state;
  }

  /** The payer pays; the TRADE.SUCCESS notification follows unless withheld. */
  async pay(outTradeNo: string, options: { notify?: boolean } = {}) {
    const order = this.order(outTradeNo);
    if (order.state !== 'NOTPAY' && order.state !== 'USERPAYING') {
      throw new Error(`order is ${order.state}`);
    }
    order.state = 'SUCCESS';
    order.paidAt = Date.now();
    return options.notify === false ? null : this.notifyPayment(outTradeNo);
  }

  async notifyPayment(outTradeNo: string, options: NotifyOptions = {}) {
    const order = this.order(outTradeNo);
    return this.notify(
      order.notifyUrl,
      'TRANSACTION.SUCCESS',
      'transaction',
      this.transaction(order),
      options,
    );
  }

  /** WeChat Pay finishes a refund (PROCESSING → SUCCESS) and, unless withheld, notifies. */
  async completeRefund(outRefundNo: string, options: { notify?: boolean } = {}) {
    const refund = this.refund(outRefundNo);
    refund.status = 'SUCCESS';
    refund.succeededAt = Date.now();
    if (options.notify === false) return null;
    const order = this.order(refund.outTradeNo);
    return this.notify(refund.notifyUrl, 'REFUND.SUCCESS', 'refund', {
      mchid: this.merchant.mchid,
      transaction_id: order.transactionId,
      out_trade_no: order.outTradeNo,
      refund_id: refund.refundId,
      out_refund_no: refund.outRefundNo,
      refund_status: 'SUCCESS',
      success_time: rfc3339(refund.succeededAt),
      user_received_account: '支付用户零钱',
      amount: {
        total: refund.total,
        refund: refund.refund,
        payer_total: refund.total,
        payer_refund: refund.refund,
      },
    });
  }

  /** Encrypts `plain` with the APIv3 key, wraps it as v3 does, signs and posts it. */
  async notify(
    url: string,
    eventType: string,
    originalType: string,
    plain: Json,
    options: NotifyOptions = {},
  ) {
    const nonce = randomBytes(6).toString('hex');
    const associatedData = originalType;
    const cipher = createCipheriv(
      'aes-256-gcm',
      Buffer.from(options.apiv3Key ?? this.merchant.apiv3Key),
      Buffer.from(nonce),
    );
    cipher.setAAD(Buffer.from(associatedData));
    const sealed = Buffer.concat([
      cipher.update(JSON.stringify({ ...plain, ...options.overrides })),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    const body = JSON.stringify({
      id: randomBytes(16).toString('hex'),
      create_time: rfc3339(Date.now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: eventType.startsWith('REFUND') ? '退款成功' : '支付成功',
      resource: {
        original_type: originalType,
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: sealed.toString('base64'),
        associated_data: associatedData,
        nonce,
      },
    });
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const signatureNonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256')
      .update(`${timestamp}\n${signatureNonce}\n${body}\n`)
      .sign(options.signWith ?? this.key.privateKey, 'base64');
    return deliver(url, options.tamper ? body.replace('"id":"', '"id":"x') : body, {
      'content-type': 'application/json',
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': signatureNonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': options.serial ?? this.keyId,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
    });
  }

  private order(outTradeNo: string): WechatpayOrder {
    const order = this.orders.get(outTradeNo);
    if (!order) throw new Error(`the fake has no order ${outTradeNo}`);
    return order;
  }

  private refund(outRefundNo: string): WechatpayRefund {
    const refund = this.refunds.get(outRefundNo);
    if (!refund) throw new Error(`the fake has no refund ${outRefundNo}`);
    return refund;
  }

  private transaction(order: WechatpayOrder): Json {
    return {
      appid: this.merchant.appid,
      mchid: this.merchant.mchid,
      out_trade_no: order.outTradeNo,
      transaction_id: order.transactionId,
      trade_type: order.tradeType,
      trade_state: order.state,
      trade_state_desc: order.state === 'SUCCESS' ? '支付成功' : order.state,
      bank_type: 'OTHERS',
      attach: '',
      ...(order.paidAt ? { success_time: rfc3339(order.paidAt) } : {}),
      payer: { openid: order.openid ?? 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      amount: {
        total: order.total,
        payer_total: order.total,
        currency: 'CNY',
        payer_currency: 'CNY',
      },
    };
  }

  private async handle(req: FakeRequest, res: ServerResponse): Promise<void> {
    const pathAndQuery = `${req.url.pathname}${req.url.search}`;
    const refusal = this.checkAuthorization(req, pathAndQuery);
    if (refusal) return this.answer(res, 401, { code: 'SIGN_ERROR', message: refusal });
    const body = req.body === '' ? null : (JSON.parse(req.body) as Json);
    this.calls.push({ method: req.method, path: pathAndQuery, body });
    const refused = this.refusals.shift();
    if (refused)
      return this.answer(res, refused.status, {
        code: refused.code,
        message: 'refused by the test',
      });
    if (req.method === 'GET' && req.url.pathname === '/v3/billdownload/file') {
      const bill = this.bills.get(req.url.searchParams.get('token') ?? '');
      res.writeHead(bill ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(bill ?? '');
      return;
    }
    const [status, answer] = this.route(req.method, req.url, body);
    this.answer(res, status, answer);
  }

  private checkAuthorization(req: FakeRequest, pathAndQuery: string): string | null {
    const header = req.headers.authorization ?? '';
    const match = /^WECHATPAY2-SHA256-RSA2048 (.+)$/.exec(header);
    if (!match) return 'Authorization 不是 WECHATPAY2-SHA256-RSA2048';
    const fields = Object.fromEntries(
      [...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (fields.mchid !== this.merchant.mchid) return '商户号不匹配';
    if (fields.serial_no !== this.merchant.serialNo) return '证书序列号不匹配';
    if (Math.abs(Date.now() / 1000 - Number(fields.timestamp)) > 300) return '时间戳超出范围';
    const message = `${req.method}\n${pathAndQuery}\n${fields.timestamp}\n${fields.nonce_str}\n${req.body}\n`;
    const valid = createVerify('RSA-SHA256')
      .update(message)
      .verify(this.merchant.publicKey, fields.signature ?? '', 'base64');
    return valid ? null : '签名错误';
  }

  /** Every answer carries the Wechatpay-* headers, signed over `timestamp\nnonce\nbody\n`. */
  private answer(res: ServerResponse, status: number, payload: Json | null): void {
    const body = payload === null ? '' : JSON.stringify(payload);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256')
      .update(`${timestamp}\n${nonce}\n${body}\n`)
      .sign(this.key.privateKey, 'base64');
    res.writeHead(status, {
      ...(body ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'request-id': randomBytes(8).toString('hex'),
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signature,
      'wechatpay-serial': this.keyId,
    });
    res.end(body);
  }

  private route(method: string, url: URL, body: Json | null): [number, Json | null] {
    const path = url.pathname;
    const error = (status: number, code: string, message: string): [number, Json] => [
      status,
      { code, message },
    ];
    const create = /^\/v3\/pay\/transactions\/(native|h5|jsapi)$/.exec(path);
    if (method === 'POST' && create)
      return this.createOrder(create[1] as 'native' | 'h5' | 'jsapi', body ?? {});
    const query = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)$/.exec(path);
    if (method === 'GET' && query) {
      if (url.searchParams.get('mchid') !== this.merchant.mchid)
        return error(400, 'PARAM_ERROR', 'mchid');
      const order = this.orders.get(decodeURIComponent(query[1]));
      if (!order) return error(404, 'ORDER_NOT_EXIST', '订单不存在');
      return [200, this.transaction(order)];
    }
    const close = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(path);
    if (method === 'POST' && close) {
      if (body?.mchid !== this.merchant.mchid) return error(400, 'PARAM_ERROR', 'mchid');
      const order = this.orders.get(decodeURIComponent(close[1]));
      if (!order) return error(404, 'ORDER_NOT_EXIST', '订单不存在');
      if (order.state === 'SUCCESS' || order.state === 'REFUND')
        return error(400, 'ORDERPAID', '订单已支付');
      order.state = 'CLOSED';
      return [204, null];
    }
    if (method === 'POST' && path === '/v3/refund/domestic/refunds')
      return this.createRefund(body ?? {});
    const refundQuery = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path);
    if (method === 'GET' && refundQuery) {
      const refund = this.refunds.get(decodeURIComponent(refundQuery[1]));
      if (!refund) return error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      return [200, this.refundView(refund)];
    }
    if (method === 'GET' && path === '/v3/bill/tradebill') {
      const date = url.searchParams.get('bill_date') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || url.searchParams.get('bill_type') !== 'ALL') {
        return error(400, 'PARAM_ERROR', '参数错误');
      }
      const bill = this.bill(date);
      if (bill === null) return error(400, 'NO_STATEMENT_EXIST', '账单不存在');
      const token = randomBytes(8).toString('hex');
      this.bills.set(token, bill);
      return [
        200,
        {
          hash_type: 'SHA1',
          hash_value: createHash('sha1').update(bill).digest('hex'),
          download_url: `${this.server.url}/v3/billdownload/file?token=${token}`,
        },
      ];
    }
    return error(404, 'NOT_FOUND', 'no such API');
  }

  private createOrder(product: 'native' | 'h5' | 'jsapi', body: Json): [number, Json] {
    const amount = (body.amount ?? {}) as Json;
    const outTradeNo = String(body.out_trade_no ?? '');
    const openid = (body.payer as Json | undefined)?.openid;
    const invalid =
      body.appid !== this.merchant.appid ||
      body.mchid !== this.merchant.mchid ||
      !/^[A-Za-z0-9_\-|*]{6,32}$/.test(outTradeNo) ||
      typeof body.description !== 'string' ||
      typeof body.notify_url !== 'string' ||
      !Number.isSafeInteger(amount.total) ||
      (amount.total as number) < 1 ||
      (product === 'h5' && !(body.scene_info as Json | undefined)?.payer_client_ip) ||
      (product === 'jsapi' && (typeof openid !== 'string' || openid === ''));
    if (invalid) return [400, { code: 'PARAM_ERROR', message: '参数错误' }];
    const tradeType = ({ native: 'NATIVE', h5: 'MWEB', jsapi: 'JSAPI' } as const)[product];
    let order = this.orders.get(outTradeNo);
    if (order && order.state !== 'NOTPAY')
      return [400, { code: 'ORDERPAID', message: '订单已支付' }];
    // the same out_trade_no again is the same order only with the same parameters
    if (
      order &&
      (order.tradeType !== tradeType ||
        order.total !== amount.total ||
        order.openid !== (openid ?? null))
    ) {
      return [400, { code: 'INVALID_REQUEST', message: '201 商户订单号重复' }];
    }
    order ??= {
      outTradeNo,
      transactionId: `42000${String(++this.seq).padStart(23, '0')}`,
      tradeType,
      openid: typeof openid === 'string' ? openid : null,
      description: body.description as string,
      total: amount.total as number,
      notifyUrl: body.notify_url as string,
      state: 'NOTPAY',
      createdAt: Date.now(),
      paidAt: null,
    };
    this.orders.set(outTradeNo, order);
    const prepay = createHash('sha1').update(outTradeNo).digest('hex').slice(0, 16);
    if (product === 'jsapi') return [200, { prepay_id: `wx${prepay}` }];
    return product === 'native'
      ? [200, { code_url: `weixin://wxpay/bizpayurl?pr=${prepay}` }]
      : [
          200,
          { h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx${prepay}` },
        ];
  }

  private createRefund(body: Json): [number, Json] {
    const amount = (body.amount ?? {}) as Json;
    const outRefundNo = String(body.out_refund_no ?? '');
    const order = this.orders.get(String(body.out_trade_no ?? ''));
    if (!order) return [404, { code: 'RESOURCE_NOT_EXISTS', message: '订单不存在' }];
    const earlier = this.refunds.get(outRefundNo);
    if (earlier) {
      return earlier.refund === amount.refund
        ? [200, this.refundView(earlier)]
        : [400, { code: 'INVALID_REQUEST', message: '同一退款单号的请求参数不一致' }];
    }
    if (order.state !== 'SUCCESS' && order.state !== 'REFUND') {
      return [400, { code: 'INVALID_REQUEST', message: '订单状态不正确' }];
    }
    if (
      amount.total !== order.total ||
      amount.currency !== 'CNY' ||
      !Number.isSafeInteger(amount.refund)
    ) {
      return [400, { code: 'PARAM_ERROR', message: '订单金额或退款金额与原订单不一致' }];
    }
    const refunded = [...this.refunds.values()]
      .filter((r) => r.outTradeNo === order.outTradeNo && r.status !== 'CLOSED')
      .reduce((sum, r) => sum + r.refund, 0);
    if ((amount.refund as number) < 1 || refunded + (amount.refund as number) > order.total) {
      return [400, { code: 'INVALID_REQUEST', message: '申请退款金额超过订单可退金额' }];
    }
    const refund: WechatpayRefund = {
      outRefundNo,
      refundId: `50300${String(++this.seq).padStart(24, '0')}`,
      outTradeNo: order.outTradeNo,
      refund: amount.refund as number,
      total: order.total,
      notifyUrl: String(body.notify_url ?? ''),
      status: 'PROCESSING',
      createdAt: Date.now(),
      succeededAt: null,
    };
    this.refunds.set(outRefundNo, refund);
    order.state = 'REFUND';
    return [200, this.refundView(refund)];
  }

  private refundView(refund: WechatpayRefund): Json {
    const order = this.order(refund.outTradeNo);
    return {
      refund_id: refund.refundId,
      out_refund_no: refund.outRefundNo,
      transaction_id: order.transactionId,
      out_trade_no: order.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      ...(refund.succeededAt ? { success_time: rfc3339(refund.succeededAt) } : {}),
      create_time: rfc3339(refund.createdAt),
      status: refund.status,
      funds_account: 'AVAILABLE',
      amount: {
        total: refund.total,
        refund: refund.refund,
        payer_total: refund.total,
        payer_refund: refund.refund,
        settlement_refund: refund.refund,
        settlement_total: refund.total,
        discount_refund: 0,
        currency: 'CNY',
      },
    };
  }

  /** The trade bill (bill_type ALL) as v3 serves it: backtick-prefixed cells, a summary at the end. */
  private bill(date: string): Buffer | null {
    const start = Date.parse(`${date}T00:00:00+08:00`);
    const inDay = (t: number | null) => t !== null && t >= start && t < start + 86_400_000;
    const beijing = (ms: number) => rfc3339(ms).slice(0, 19).replace('T', ' ');
    const row = (cells: string[]) => cells.map((c) => `\`${c}`).join(',');
    const rows: string[] = [];
    let paid = 0;
    let refunded = 0;
    let fees = 0;
    for (const order of this.orders.values()) {
      if (!inDay(order.paidAt)) continue;
      const fee = fakeFee(order.total);
      paid += order.total;
      fees += fee;
      rows.push(
        row([
          beijing(order.paidAt!),
          this.merchant.appid,
          this.merchant.mchid,
          '0',
          '',
          order.transactionId,
          order.outTradeNo,
          'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
          order.tradeType,
          'SUCCESS',
          'OTHERS',
          'CNY',
          yuanText(order.total),
          '0.00',
          '0',
          '0',
          '0.00',
          '0.00',
          '',
          '',
          order.description,
          '',
          yuanText(fee),
          '0.60%',
          yuanText(order.total),
          '0.00',
          '',
        ]),
      );
    }
    for (const refund of this.refunds.values()) {
      if (refund.status !== 'SUCCESS' || !inDay(refund.succeededAt)) continue;
      const order = this.order(refund.outTradeNo);
      const fee = Math.floor(
        (fakeFee(order.total) * refund.refund * 2 + order.total) / (2 * order.total),
      );
      refunded += refund.refund;
      fees -= fee;
      rows.push(
        row([
          beijing(refund.succeededAt!),
          this.merchant.appid,
          this.merchant.mchid,
          '0',
          '',
          order.transactionId,
          order.outTradeNo,
          'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
          order.tradeType,
          'REFUND',
          'OTHERS',
          'CNY',
          '0.00',
          '0.00',
          refund.refundId,
          refund.outRefundNo,
          yuanText(refund.refund),
          '0.00',
          'ORIGINAL',
          'SUCCESS',
          order.description,
          '',
          yuanText(-fee),
          '0.60%',
          '0.00',
          yuanText(refund.refund),
          '',
        ]),
      );
    }
    if (rows.length === 0) return null;
    const text = [
      '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,' +
        '货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,' +
        '商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
      ...rows,
      '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
      row([
        String(rows.length),
        yuanText(paid),
        yuanText(refunded),
        '0.00',
        yuanText(fees),
        yuanText(paid),
        yuanText(refunded),
      ]),
      '',
    ].join('\r\n');
    return Buffer.from(text, 'utf8');
  }
}
