import { createSign, createVerify, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { ServerResponse } from 'node:http';
import AdmZip from 'adm-zip';
import iconv from 'iconv-lite';
import { beijing, deliver, FakeRequest, FakeServer, fakeFee, fenOf, yuanText } from './fake-server';

/** A test merchant's application keys, as an Alipay app owner would make them. */
export function alipayAppKeys() {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    publicKey: pair.publicKey,
  };
}

type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';

export interface AlipayTrade {
  outTradeNo: string;
  tradeNo: string;
  amount: number;
  subject: string;
  notifyUrl: string;
  /** A precreate trade exists at Alipay only once the payer scans the QR code. */
  visible: boolean;
  status: TradeStatus;
  createdAt: number;
  paidAt: number | null;
  closedAt: number | null;
  expiresAt: number | null;
  refunds: Map<string, { amount: number; at: number }>;
}

type Answer = Record<string, unknown>;

const SELLER_ID = '2088000000000156';

/**
 * Alipay's OpenAPI gateway, faked on loopback with its own RSA key: it checks every request's
 * RSA2 signature with the test merchant's public key (and app_id, sign_type, timestamp) and
 * refuses bad ones as Alipay does (isv.invalid-signature); keeps trades in memory; answers in
 * Alipay's shapes and codes (ACQ.TRADE_NOT_EXIST before the payer scans, ACQ.TRADE_STATUS_ERROR,
 * refunds over the amount…); signs every answer; sends signed notifications; serves the bill.
 */
export class AlipayFake {
  readonly trades = new Map<string, AlipayTrade>();
  /** Page links a browser opened (GET /gateway.do), and whether their signature verified. */
  readonly pageOpens: {
    method: string;
    biz: Answer;
    params: Record<string, string>;
    verified: boolean;
  }[] = [];
  /** Gateway calls that passed the signature check: method, biz_content and the other params. */
  readonly calls: { method: string; biz: Answer; params: Record<string, string> }[] = [];
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly bills = new Map<string, Buffer>();
  private readonly refusals: string[] = [];
  private answersToLose = 0;
  private tradeSeq = 0;

  private constructor(
    private readonly server: FakeServer,
    readonly appId: string,
    private readonly merchantKey: KeyObject,
  ) {}

  static async start(options: { appId: string; merchantPublicKey: KeyObject }) {
    const ref: { fake?: AlipayFake } = {};
    const server = await FakeServer.start((req, res) => ref.fake!.handle(req, res));
    ref.fake = new AlipayFake(server, options.appId, options.merchantPublicKey);
    return ref.fake;
  }

  get gatewayUrl(): string {
    return `${this.server.url}/gateway.do`;
  }

  /** Alipay's public key, as the channel config takes it. */
  get publicKeyPem(): string {
    return this.key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  }

  failNext(count: number, fault: { status: number } | { hang: true }): void {
    this.server.failNext(count, fault);
  }

  /** The next gateway call is carried out, but its answer is lost (the caller times out). */
  loseNextAnswer(): void {
    this.answersToLose++;
  }

  /** The next gateway call is refused with this business error (code 40004). */
  refuseNext(subCode: string): void {
    this.refusals.push(subCode);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** The payer scans the QR code (or opens the page): the trade now exists, WAIT_BUYER_PAY. */
  scan(outTradeNo: string): AlipayTrade {
    const trade = this.trade(outTradeNo);
    trade.visible = true;
    return trade;
  }

  /** The payer opens a page/wap pay link: its signature is checked and the trade created. */
  openPayLink(payUrl: string): AlipayTrade {
    const url = new URL(payUrl);
    const params = Object.fromEntries(url.searchParams);
    if (!this.verifyRequest(params)) throw new Error('the pay link signature does not verify');
    if (!['alipay.trade.page.pay', 'alipay.trade.wap.pay'].includes(params.method)) {
      throw new Error(`not a page method: ${params.method}`);
    }
    const biz = JSON.parse(params.biz_content) as Answer;
    this.createTrade(biz, params.notify_url);
    return this.scan(String(biz.out_trade_no));
  }

  /**
   * The payer pays: TRADE_SUCCESS, then (unless withheld) Alipay's notification to the
   * trade's notify_url. Returns the gateway's answer to it.
   */
  async pay(outTradeNo: string, options: { notify?: boolean } = {}) {
    const trade = this.scan(outTradeNo);
    if (trade.status !== 'WAIT_BUYER_PAY') throw new Error(`trade is ${trade.status}`);
    if (trade.expiresAt !== null && Date.now() > trade.expiresAt) {
      throw new Error('the trade is past its time_expire: Alipay refuses the payment');
    }
    trade.status = 'TRADE_SUCCESS';
    trade.paidAt = Date.now();
    return options.notify === false ? null : this.notify(outTradeNo);
  }

  /** Sends the trade's notification as it stands, with `overrides` applied before signing. */
  async notify(
    outTradeNo: string,
    options: { overrides?: Record<string, string>; signWith?: KeyObject; tamper?: boolean } = {},
  ) {
    const trade = this.trade(outTradeNo);
    const params: Record<string, string> = {
      notify_time: beijing(Date.now()),
      notify_type: 'trade_status_sync',
      notify_id: randomBytes(16).toString('hex'),
      app_id: this.appId,
      charset: 'utf-8',
      version: '1.0',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_id: '2088102177846880',
      seller_id: SELLER_ID,
      trade_status: trade.status,
      total_amount: yuanText(trade.amount),
      receipt_amount: yuanText(trade.amount),
      buyer_pay_amount: yuanText(trade.amount),
      subject: trade.subject,
      gmt_create: beijing(trade.createdAt),
      ...(trade.paidAt ? { gmt_payment: beijing(trade.paidAt) } : {}),
      ...(trade.closedAt ? { gmt_close: beijing(trade.closedAt) } : {}),
      fund_bill_list: JSON.stringify([
        { amount: yuanText(trade.amount), fundChannel: 'ALIPAYACCOUNT' },
      ]),
      ...options.overrides,
    };
    return this.post(trade.notifyUrl, params, options);
  }

  /** The notification Alipay sends after a refund: out_biz_no is the refund's out_request_no. */
  async notifyRefund(outTradeNo: string, outRequestNo: string) {
    const trade = this.trade(outTradeNo);
    const refund = trade.refunds.get(outRequestNo);
    if (!refund) throw new Error(`no refund ${outRequestNo}`);
    const refunded = [...trade.refunds.values()].reduce((sum, r) => sum + r.amount, 0);
    return this.notify(outTradeNo, {
      overrides: {
        out_biz_no: outRequestNo,
        refund_fee: yuanText(refunded),
        gmt_refund: `${beijing(refund.at)}.000`,
      },
    });
  }

  private async post(
    url: string,
    params: Record<string, string>,
    options: { signWith?: KeyObject; tamper?: boolean },
  ) {
    const content = Object.keys(params)
      .filter((k) => k !== 'sign' && k !== 'sign_type')
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&');
    const sign = createSign('RSA-SHA256')
      .update(content, 'utf8')
      .sign(options.signWith ?? this.key.privateKey, 'base64');
    let body = new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString();
    if (options.tamper) body = body.replace(/total_amount=[^&]*/, 'total_amount=0.01');
    return deliver(url, body, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
  }

  private trade(outTradeNo: string): AlipayTrade {
    const trade = this.trades.get(outTradeNo);
    if (!trade) throw new Error(`the fake has no trade ${outTradeNo}`);
    return trade;
  }

  private async handle(req: FakeRequest, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url.pathname.startsWith('/bill/')) {
      const bill = this.bills.get(req.url.pathname.slice('/bill/'.length));
      res.writeHead(bill ? 200 : 404, { 'content-type': 'application/octet-stream' });
      res.end(bill ?? '');
      return;
    }
    if (req.method === 'GET' && req.url.pathname === '/gateway.do') return this.openPage(req, res);
    if (req.method !== 'POST' || req.url.pathname !== '/gateway.do') {
      res.writeHead(404).end();
      return;
    }
    const params: Record<string, string> = Object.fromEntries(req.url.searchParams);
    for (const [k, v] of new URLSearchParams(req.body)) params[k] = v;
    const method = params.method ?? 'unknown';
    const refusal = this.checkRequest(params);
    if (refusal) return this.answer(res, method, refusal);
    const biz = JSON.parse(params.biz_content ?? '{}') as Answer;
    this.calls.push({ method, biz, params });
    const refused = this.refusals.shift();
    if (refused) {
      return this.answer(res, method, {
        code: '40004',
        msg: 'Business Failed',
        sub_code: refused,
        sub_msg: 'refused by the test',
      });
    }
    const answer = this.execute(method, biz, params);
    if (this.answersToLose > 0) {
      this.answersToLose--;
      return this.server.hold(res);
    }
    this.answer(res, method, answer);
  }

  /**
   * A browser opening a page product's link (手机网站支付 as a GET): Alipay checks the request as
   * it checks API calls, creates the trade, and shows its cashier; here a plain page.
   */
  private openPage(req: FakeRequest, res: ServerResponse): void {
    const params: Record<string, string> = Object.fromEntries(req.url.searchParams);
    const method = params.method ?? 'unknown';
    const biz = JSON.parse(params.biz_content ?? '{}') as Answer;
    const verified =
      this.checkRequest(params) === null &&
      ['alipay.trade.page.pay', 'alipay.trade.wap.pay'].includes(method);
    this.pageOpens.push({ method, biz, params, verified });
    if (!verified) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>支付宝</title><h1>验签出错</h1>');
      return;
    }
    this.createTrade(biz, params.notify_url);
    this.scan(String(biz.out_trade_no));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="zh-CN"><title>支付宝 - 网上支付</title>` +
        `<h1 id="alipay-cashier">支付宝收银台</h1><p id="alipay-amount">${String(biz.total_amount)}</p>` +
        `<p id="alipay-subject">${String(biz.subject).replace(/[<>&"]/g, '')}</p></html>`,
    );
  }

  private checkRequest(params: Record<string, string>): Answer | null {
    const invalid = (sub_code: string, sub_msg: string) => ({
      code: '40002',
      msg: 'Invalid Arguments',
      sub_code,
      sub_msg,
    });
    if (params.app_id !== this.appId) return invalid('isv.invalid-app-id', '无效的AppID参数');
    if (params.sign_type !== 'RSA2') return invalid('isv.invalid-signature-type', '无效的签名类型');
    if (params.charset !== 'utf-8' || params.version !== '1.0') {
      return invalid('isv.invalid-charset', '字符集或版本错误');
    }
    const ts = Date.parse(`${(params.timestamp ?? '').replace(' ', 'T')}+08:00`);
    if (Number.isNaN(ts) || Math.abs(Date.now() - ts) > 15 * 60_000) {
      return invalid('isv.invalid-timestamp', '非法的时间戳参数');
    }
    if (!this.verifyRequest(params)) {
      return invalid(
        'isv.invalid-signature',
        '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配',
      );
    }
    return null;
  }

  /** RSA2 over every parameter but `sign`, sorted, as `k=v` joined with `&`. */
  private verifyRequest(params: Record<string, string>): boolean {
    const { sign, ...rest } = params;
    if (!sign) return false;
    const content = Object.keys(rest)
      .filter((k) => rest[k] !== '')
      .sort()
      .map((k) => `${k}=${rest[k]}`)
      .join('&');
    return createVerify('RSA-SHA256')
      .update(content, 'utf8')
      .verify(this.merchantKey, sign, 'base64');
  }

  /** Alipay's answer: `{"<method>_response":{…},"sign":"<RSA2 over that JSON text>"}`. */
  private answer(res: ServerResponse, method: string, payload: Answer): void {
    const json = JSON.stringify(payload);
    const sign = createSign('RSA-SHA256').update(json, 'utf8').sign(this.key.privateKey, 'base64');
    const key = `${method.replace(/\./g, '_')}_response`;
    res.writeHead(200, { 'content-type': 'text/html;charset=utf-8' });
    res.end(`{"${key}":${json},"sign":"${sign}"}`);
  }

  private execute(method: string, biz: Answer, params: Record<string, string>): Answer {
    const business = (sub_code: string, sub_msg: string) => ({
      code: '40004',
      msg: 'Business Failed',
      sub_code,
      sub_msg,
    });
    const success = (fields: Answer) => ({ code: '10000', msg: 'Success', ...fields });
    const outTradeNo = String(biz.out_trade_no ?? '');
    const trade = this.trades.get(outTradeNo);
    const seen = trade?.visible ? trade : undefined;
    switch (method) {
      case 'alipay.trade.precreate': {
        if (fenOf(String(biz.total_amount)) === null) {
          return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-parameter' };
        }
        if (trade && trade.status !== 'WAIT_BUYER_PAY') {
          return business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
        }
        this.createTrade(biz, params.notify_url);
        return success({
          out_trade_no: outTradeNo,
          qr_code: `https://qr.alipay.com/bax0${randomBytes(8).toString('hex')}`,
        });
      }
      case 'alipay.trade.query':
        if (!seen) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        return success({
          trade_no: seen.tradeNo,
          out_trade_no: seen.outTradeNo,
          buyer_logon_id: '159****5620',
          trade_status: seen.status,
          total_amount: yuanText(seen.amount),
          ...(seen.paidAt ? { send_pay_date: beijing(seen.paidAt) } : {}),
        });
      case 'alipay.trade.close':
        if (!seen) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        if (seen.status !== 'WAIT_BUYER_PAY')
          return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
        seen.status = 'TRADE_CLOSED';
        seen.closedAt = Date.now();
        return success({ trade_no: seen.tradeNo, out_trade_no: seen.outTradeNo });
      case 'alipay.trade.refund':
        return this.refund(seen, biz, business, success);
      case 'alipay.trade.fastpay.refund.query': {
        if (!seen) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
        const refund = seen.refunds.get(String(biz.out_request_no));
        // Alipay answers an unknown out_request_no with success and no refund fields
        if (!refund) return success({ out_trade_no: seen.outTradeNo });
        return success({
          trade_no: seen.tradeNo,
          out_trade_no: seen.outTradeNo,
          out_request_no: biz.out_request_no,
          total_amount: yuanText(seen.amount),
          refund_amount: yuanText(refund.amount),
          refund_status: 'REFUND_SUCCESS',
          gmt_refund_pay: beijing(refund.at),
        });
      }
      case 'alipay.data.dataservice.bill.downloadurl.query': {
        if (biz.bill_type !== 'trade' || !/^\d{4}-\d{2}-\d{2}$/.test(String(biz.bill_date))) {
          return business('isp.bill_not_exist', '账单不存在');
        }
        const token = randomBytes(8).toString('hex');
        this.bills.set(token, this.bill(String(biz.bill_date)));
        return success({ bill_download_url: `${this.server.url}/bill/${token}` });
      }
      default:
        return { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-method' };
    }
  }

  private refund(
    trade: AlipayTrade | undefined,
    biz: Answer,
    business: (code: string, msg: string) => Answer,
    success: (fields: Answer) => Answer,
  ): Answer {
    if (!trade) return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const amount = fenOf(String(biz.refund_amount));
    const requestNo = String(biz.out_request_no ?? trade.outTradeNo);
    const refunded = () => [...trade.refunds.values()].reduce((sum, r) => sum + r.amount, 0);
    const earlier = trade.refunds.get(requestNo);
    if (earlier) {
      if (earlier.amount !== amount)
        return business('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
      return success({
        trade_no: trade.tradeNo,
        out_trade_no: trade.outTradeNo,
        fund_change: 'N',
        refund_fee: yuanText(refunded()),
      });
    }
    if (trade.status !== 'TRADE_SUCCESS')
      return business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    if (amount === null || amount <= 0 || refunded() + amount > trade.amount) {
      return business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限');
    }
    const at = Date.now();
    trade.refunds.set(requestNo, { amount, at });
    if (refunded() === trade.amount) trade.status = 'TRADE_CLOSED';
    return success({
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: '159****5620',
      fund_change: 'Y',
      refund_fee: yuanText(refunded()),
      gmt_refund_pay: beijing(at),
    });
  }

  private createTrade(biz: Answer, notifyUrl: string | undefined): void {
    const outTradeNo = String(biz.out_trade_no);
    if (this.trades.has(outTradeNo)) return;
    const expires = Date.parse(`${String(biz.time_expire ?? '').replace(' ', 'T')}+08:00`);
    this.trades.set(outTradeNo, {
      outTradeNo,
      tradeNo: `2024${String(++this.tradeSeq).padStart(24, '0')}`,
      amount: fenOf(String(biz.total_amount)) ?? 0,
      subject: String(biz.subject ?? ''),
      notifyUrl: notifyUrl ?? '',
      visible: false,
      status: 'WAIT_BUYER_PAY',
      createdAt: Date.now(),
      paidAt: null,
      closedAt: null,
      expiresAt: Number.isNaN(expires) ? null : expires,
      refunds: new Map(),
    });
  }

  /** The day's trade bill as Alipay ships it: a zip of two GBK CSV files. */
  private bill(date: string): Buffer {
    const start = Date.parse(`${date}T00:00:00+08:00`);
    const inDay = (t: number | null) => t !== null && t >= start && t < start + 86_400_000;
    const rows: string[] = [];
    const cells = (values: string[]) => values.map((v) => `${v}\t`).join(',');
    for (const trade of this.trades.values()) {
      if (inDay(trade.paidAt)) {
        rows.push(
          cells([
            trade.tradeNo,
            trade.outTradeNo,
            '交易',
            trade.subject,
            beijing(trade.createdAt),
            beijing(trade.paidAt!),
            '',
            '',
            '',
            '',
            'buyer@example.com',
            yuanText(trade.amount),
            yuanText(trade.amount),
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '',
            '0.00',
            '0.00',
            '',
            yuanText(-fakeFee(trade.amount)),
            '0.00',
            '',
          ]),
        );
      }
      for (const [requestNo, refund] of trade.refunds) {
        if (!inDay(refund.at)) continue;
        rows.push(
          cells([
            trade.tradeNo,
            trade.outTradeNo,
            '退款',
            trade.subject,
            beijing(trade.createdAt),
            beijing(refund.at),
            '',
            '',
            '',
            '',
            'buyer@example.com',
            yuanText(-refund.amount),
            yuanText(-refund.amount),
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '0.00',
            '',
            '0.00',
            '0.00',
            requestNo,
            yuanText(
              Math.floor(
                (fakeFee(trade.amount) * refund.amount * 2 + trade.amount) / (2 * trade.amount),
              ),
            ),
            '0.00',
            '',
          ]),
        );
      }
    }
    const compact = date.replace(/-/g, '');
    const details = [
      '#支付宝业务明细查询',
      `#账号：[${SELLER_ID}0156]`,
      `#起始日期：[${date} 00:00:00]   终止日期：[${date} 23:59:59]`,
      '#-----------------------------------------业务明细列表----------------------------------------',
      '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,' +
        '订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,' +
        '券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
      ...rows,
      '#-----------------------------------------业务明细列表结束------------------------------------',
      `#交易合计：${rows.length}笔`,
      `#导出时间：[${beijing(Date.now())}]`,
    ].join('\r\n');
    const summary = [
      '#支付宝业务汇总查询',
      '门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）',
      `合计,,${rows.length},0,0.00,0.00`,
    ].join('\r\n');
    const zip = new AdmZip();
    zip.addFile(`${SELLER_ID}0156_${compact}_业务明细(汇总).csv`, iconv.encode(summary, 'gbk'));
    zip.addFile(`${SELLER_ID}0156_${compact}_业务明细.csv`, iconv.encode(details, 'gbk'));
    return zip.toBuffer();
  }
}
