/*
 * The cashier page's only script (served from this server, so the page's CSP allows no other):
 * starts a wallet's payment through POST /cashier/{token}/pay and does what the answer says
 * (go to the wallet's page, show its QR code, or open WeChat's pay sheet through
 * WeixinJSBridge), and polls the order until it is paid or over.
 */
(function () {
  'use strict';
  var root = document.getElementById('cashier');
  if (!root) return;
  var message = document.getElementById('cashier-message');
  var texts = root.dataset;
  var done = false;

  function show(text, kind) {
    message.textContent = text;
    message.className = 'message' + (kind ? ' ' + kind : '');
  }

  function start(wallet, tile) {
    if (!tile) show(texts.msgLoading);
    return fetch(root.dataset.payUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ wallet: wallet }),
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.message || texts.msgNetwork);
          return body.data;
        });
      })
      .then(function (action) {
        if (action.type === 'redirect') {
          window.location.href = action.url;
        } else if (action.type === 'qr') {
          var image = tile.querySelector('img');
          image.src = action.qr_image;
          image.dataset.content = action.qr_code;
          tile.classList.add('ready');
          // the sandbox's page can be opened here too; a wallet's code is for its app
          if (action.wallet === 'sandbox') {
            var link = tile.querySelector('.open-link');
            link.href = action.qr_code;
            link.hidden = false;
          }
        } else if (action.type === 'wallet_sheet') {
          openWechatSheet(action.wallet_params);
        }
      })
      .catch(function (error) {
        if (tile) tile.classList.add('failed');
        show(error.message || texts.msgNetwork, 'error');
      });
  }

  function openWechatSheet(params) {
    function invoke() {
      window.WeixinJSBridge.invoke('getBrandWCPayRequest', params, function (result) {
        if (result && result.err_msg === 'get_brand_wcpay_request:ok') show(texts.msgLoading);
        else show(texts.msgCancelled, 'error');
      });
    }
    if (window.WeixinJSBridge) invoke();
    else document.addEventListener('WeixinJSBridgeReady', invoke, false);
  }

  function poll() {
    if (done) return;
    fetch(root.dataset.statusUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        var order = body && body.data;
        if (order && order.paid) {
          done = true;
          root.classList.add('paid');
          show(order.return_url ? texts.msgPaidBack : texts.msgPaid, 'success');
          if (order.return_url) {
            setTimeout(function () {
              window.location.href = order.return_url;
            }, 1500);
          }
        } else if (order && order.status !== 'PENDING') {
          done = true;
          root.classList.add('closed');
          show(texts.msgClosed, 'error');
        }
      })
      .catch(function () {})
      .then(function () {
        if (!done) setTimeout(poll, 2000);
      });
  }

  var choices = root.querySelectorAll('[data-wallet]');
  Array.prototype.forEach.call(choices, function (choice) {
    var wallet = choice.dataset.wallet;
    var tile = choice.tagName === 'FIGURE' ? choice : null;
    if (!tile) {
      choice.addEventListener('click', function () {
        start(wallet, null);
      });
    }
    if (choice.dataset.auto === '1') start(wallet, tile);
  });
  poll();
})();
