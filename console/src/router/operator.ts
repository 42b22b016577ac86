import {
  Calendar,
  Connection,
  DataAnalysis,
  DocumentChecked,
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
