import AdmZip from 'adm-zip';
import iconv from 'iconv-lite';
import { parseAlipayBillCsv, parseAlipayBillZip } from './alipay-bill';

const HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,' +
  '订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,' +
  '券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';

/** A row as Alipay writes it: every value followed by a tab. */
const row = (cells: string[]) => cells.map((c) => `${c}\t`).join(',');
const zeros = ['0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00'];

const DETAILS = [
  '#支付宝业务明细查询',
  '#账号：[20880000000001560156]',
  '#起始日期：[2024年05月01日 00:00:00]   终止日期：[2024年05月02日 00:00:00]',
  '#-----------------------------------------业务明细列表----------------------------------------',
  HEADER,
  row([
    '2024050122001400000000000001',
    'ord_a',
    '交易',
    '苹果，红富士',
    '2024-05-01 11:59:00',
    '2024-05-01 12:00:03',
    '',
    '',
    '',
    '',
    'buyer@example.com',
    '100.00',
    '100.00',
    ...zeros,
    '',
    '-0.60',
    '0.00',
    '',
  ]),
  row([
    '2024050122001400000000000001',
    'ord_a',
    '退款',
    '苹果，红富士',
    '2024-05-01 11:59:00',
    '2024-05-01 18:30:00',
    '',
    '',
    '',
    '',
    'buyer@example.com',
    '-25.00',
    '-25.00',
    ...zeros,
    'ref_a1',
    '0.15',
    '0.00',
    '',
  ]),
  '#-----------------------------------------业务明细列表结束------------------------------------',
  '#交易合计：1笔，商家实收共100.00元',
  '#退款合计：1笔，商家实收共-25.00元',
  '#导出时间：[2024年05月02日 09:00:00]',
].join('\r\n');

describe("Alipay's trade bill", () => {
  it('finds the details file in the zip, decodes GBK and reads payments and refunds with fees', () => {
    const zip = new AdmZip();
    zip.addFile(
      '20880000000001560156_20240501_业务明细(汇总).csv',
      iconv.encode('#汇总\r\n门店编号,门店名称\r\n', 'gbk'),
    );
    zip.addFile('20880000000001560156_20240501_业务明细.csv', iconv.encode(DETAILS, 'gbk'));
    expect(parseAlipayBillZip(zip.toBuffer())).toEqual([
      {
        type: 'payment',
        orderId: 'ord_a',
        refundId: null,
        channelTradeNo: '2024050122001400000000000001',
        amount: 10000,
        currency: 'CNY',
        fee: 60,
        status: 'SUCCEEDED',
        occurredAt: Date.parse('2024-05-01T04:00:03Z'),
      },
      {
        type: 'refund',
        orderId: 'ord_a',
        refundId: 'ref_a1',
        channelTradeNo: '2024050122001400000000000001',
        amount: 2500,
        currency: 'CNY',
        fee: 15,
        status: 'SUCCEEDED',
        occurredAt: Date.parse('2024-05-01T10:30:00Z'),
      },
    ]);
  });

  it('takes a refund amount from 商家实收 when 订单金额 shows the original order', () => {
    const text = [
      HEADER,
      row([
        '2024050122001400000000000002',
        'ord_b',
        '退款',
        'x',
        '2024-05-01 11:59:00',
        '2024-05-01 18:30:00',
        '',
        '',
        '',
        '',
        'b',
        '100.00',
        '-30.00',
        ...zeros,
        'ref_b1',
        '',
        '',
        '',
      ]),
    ].join('\n');
    expect(parseAlipayBillCsv(text)).toEqual([
      expect.objectContaining({ type: 'refund', amount: 3000, fee: null, refundId: 'ref_b1' }),
    ]);
  });

  it('refuses what is not a bill rather than reporting an empty day', () => {
    expect(() => parseAlipayBillZip(Buffer.from('not a zip'))).toThrow('not a zip');
    const empty = new AdmZip();
    empty.addFile('readme.txt', Buffer.from('hello'));
    expect(() => parseAlipayBillZip(empty.toBuffer())).toThrow('no details file');
    expect(() =>
      parseAlipayBillCsv(
        [HEADER, row(['t', 'ord_c', '交易', 'x', 'bad', 'bad', '', '', '', '', 'b', '1.00'])].join(
          '\n',
        ),
      ),
    ).toThrow('unreadable row for ord_c');
  });
});
