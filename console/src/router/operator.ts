import {
  Bell,
  Calendar,
  Coin,
  Connection,
  DataAnalysis,
  Document,
  DocumentChecked,
  RefreshLeft,
  Setting,
  Shop,
  Tickets,
} from '@element-plus/icons-vue';
import type { RouteRecordRaw } from 'vue-router';

/** The operator side's pages (运营平台); the side menu is built from their `meta.menu`. */
export const operatorRoutes: RouteRecordRaw[] = [
  {
    path: 'operator/overview',
    name: 'operator-overview',
    component: () => import('@/features/overview/OperatorOverview.vue'),
    meta: {
      scope: 'operator',
      permission: 'stats.read',
      menu: { title: 'operator.menu.overview', icon: DataAnalysis, order: 10 },
    },
  },
  {
    path: 'operator/merchants',
    name: 'operator-merchants',
    component: () => import('@/features/merchants/MerchantList.vue'),
    meta: {
      scope: 'operator',
      permission: 'merchants.list',
      menu: { title: 'operator.menu.merchants', icon: Shop, order: 20 },
    },
  },
  {
    path: 'operator/merchants/:sourceId(\\d+)',
    name: 'operator-merchant',
    component: () => import('@/features/merchants/MerchantDetail.vue'),
    props: true,
    meta: { scope: 'operator', permission: 'merchants.read' },
  },
  {
    path: 'operator/channels',
    name: 'operator-channels',
    component: () => import('@/features/channels/ChannelList.vue'),
    meta: {
      scope: 'operator',
      permission: 'channels.read',
      menu: { title: 'operator.menu.channels', icon: Connection, order: 30 },
    },
  },
  {
    path: 'operator/payments',
    name: 'operator-payments',
    component: () => import('@/features/payments/PaymentList.vue'),
    meta: {
      scope: 'operator',
      permission: 'payments.read',
      menu: { title: 'operator.menu.payments', icon: Tickets, order: 40 },
    },
  },
  {
    path: 'operator/refunds',
    name: 'operator-refunds',
    component: () => import('@/features/refunds/RefundList.vue'),
    meta: {
      scope: 'operator',
      permission: 'payments.read',
      menu: { title: 'operator.menu.refunds', icon: RefreshLeft, order: 45 },
    },
  },
  {
    path: 'operator/events',
    name: 'operator-events',
    component: () => import('@/features/events/EventList.vue'),
    meta: {
      scope: 'operator',
      permission: 'events.read',
      menu: { title: 'operator.menu.events', icon: Bell, order: 50 },
    },
  },
  {
    path: 'operator/ledger',
    name: 'operator-ledger',
    component: () => import('@/features/ledger/LedgerView.vue'),
    meta: {
      scope: 'operator',
      permission: 'clearing.read',
      menu: { title: 'operator.menu.ledger', icon: Coin, order: 60 },
    },
  },
  {
    path: 'operator/audit',
    name: 'operator-audit',
    component: () => import('@/features/audit/AuditLogView.vue'),
    meta: {
      scope: 'operator',
      permission: 'audit.read',
      menu: { title: 'operator.menu.audit', icon: Document, order: 90 },
    },
  },
  {
    path: 'operator/system',
    name: 'operator-system',
    component: () => import('@/features/system/SystemView.vue'),
    meta: {
      scope: 'operator',
      permission: 'maintenance.read',
      menu: { title: 'operator.menu.system', icon: Setting, order: 100 },
    },
  },
  {
    path: 'operator/bills',
    name: 'operator-bills',
    component: () => import('@/features/clearing/ClearingBills.vue'),
    meta: {
      scope: 'operator',
      permission: 'bills.read',
      menu: { title: 'operator.menu.bills', icon: Calendar, order: 70 },
    },
  },
  {
    path: 'operator/reconciliation',
    name: 'operator-reconciliation',
    component: () => import('@/features/clearing/ClearingReconciliation.vue'),
    meta: {
      scope: 'operator',
      permission: 'clearing.read',
      menu: { title: 'operator.menu.reconciliation', icon: DocumentChecked, order: 80 },
    },
  },
];
