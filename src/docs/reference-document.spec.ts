import { arrangeSections, sectionFor } from './reference-document';

const TODAY = [
  '获取Token',
  'Merchants',
  'Operations',
  '支付订单',
  'Channel notifications',
  '渠道路由',
  '沙箱 Sandbox',
  '银联 UnionPay',
];

describe('reference sections', () => {
  it("follow the original document's order with the tags in use today", () => {
    expect(arrangeSections(TODAY)).toEqual([
      { name: '简介', tags: ['简介'] },
      { name: '授权机制说明', tags: ['授权机制说明', '获取Token', 'Merchants'] },
      { name: '支付订单', tags: ['支付订单', 'Channel notifications'] },
      { name: '渠道路由', tags: ['渠道路由', '沙箱 Sandbox', '银联 UnionPay'] },
      { name: '运维 Operations', tags: ['Operations'] },
      { name: '错误代码', tags: ['错误代码'] },
      { name: '变更历史', tags: ['变更历史'] },
    ]);
  });

  it('place the clearing and webhook tags of modules still to come without a code change', () => {
    const sections = arrangeSections([...TODAY, 'Webhooks 事件', '清算', 'Something new']);
    expect(sections.map((s) => s.name)).toEqual([
      '简介',
      '授权机制说明',
      '支付订单',
      '渠道路由',
      '清算',
      '运维 Operations',
      '错误代码',
      '变更历史',
    ]);
    expect(sections[4].tags).toEqual(['清算']);
    expect(sections[5].tags).toEqual(['Webhooks 事件', 'Operations', 'Something new']);
  });

  it.each([
    ['清算', '清算'],
    ['Clearing', '清算'],
    ['账单 Bills', '清算'],
    ['Reconciliations', '清算'],
    ['Events', '运维 Operations'],
  ])('put the tag %s under %s', (tag, section) => {
    expect(sectionFor(tag)).toBe(section);
  });
});
