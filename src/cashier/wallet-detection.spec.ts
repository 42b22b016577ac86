import { detectPayerPlace, sceneOf } from './wallet-detection';

/** User agents as the apps and browsers send them (trimmed to what identifies them). */
const AGENTS = {
  wechat:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN',
  wechatAndroid:
    'Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/1110005 MMWEBSDK/20230805 MMWEBID/1234 MicroMessenger/8.0.42.2460(0x28002A58) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  alipay:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Ariver/1.1.0 AliApp(AP/10.5.96.6000) Nebula WK RVKType(1) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.5.96.6000 Language/zh-Hans Region/CN NebulaX/1.0.0',
  unionpay:
    'Mozilla/5.0 (Linux; Android 12; SM-G9910 Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/96.0.4664.104 Mobile Safari/537.36 (com.unionpay.chsp) (cordova 7.0.0) (updebug 0) (version 1002) (UnionPay/1.0 CloudPay) (clientVersion 182) (language zh_CN) (languageFamily zh_CN)',
  safari:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  desktop:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
};

describe('detectPayerPlace', () => {
  it('finds the wallet whose app the page opened in', () => {
    expect(detectPayerPlace(AGENTS.wechat)).toEqual({ kind: 'in_wallet', wallet: 'wechat' });
    expect(detectPayerPlace(AGENTS.wechatAndroid)).toEqual({
      kind: 'in_wallet',
      wallet: 'wechat',
    });
    expect(detectPayerPlace(AGENTS.alipay)).toEqual({ kind: 'in_wallet', wallet: 'alipay' });
    expect(detectPayerPlace(AGENTS.unionpay)).toEqual({ kind: 'in_wallet', wallet: 'unionpay' });
  });

  it('tells a phone browser outside any wallet from a computer', () => {
    expect(detectPayerPlace(AGENTS.safari)).toEqual({ kind: 'mobile' });
    expect(detectPayerPlace(AGENTS.chromeAndroid)).toEqual({ kind: 'mobile' });
    expect(detectPayerPlace(AGENTS.desktop)).toEqual({ kind: 'desktop' });
    expect(detectPayerPlace(undefined)).toEqual({ kind: 'desktop' });
  });

  it('maps each place to the scene its products must serve', () => {
    expect(sceneOf(detectPayerPlace(AGENTS.alipay))).toBe('in_wallet');
    expect(sceneOf(detectPayerPlace(AGENTS.safari))).toBe('mobile_web');
    expect(sceneOf(detectPayerPlace(AGENTS.desktop))).toBe('qr');
  });
});
