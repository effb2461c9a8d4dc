/** @module The notifications outbox and its delivery. */
export {
  claimDueNotifications,
  type NotificationRow,
  type NotificationSettlement,
  notificationOutboxDepth,
  renewNotificationClaim,
  settleNotification,
} from "./claims.js";
export {
  deliverNotifications,
  type NotificationDeliveryDeps,
  type NotificationDeliveryOptions,
  type NotificationDeliveryResult,
} from "./delivery.js";
export { type FreshContent, freshContent } from "./freshness.js";
export {
  enqueueNotification,
  type Notification,
  type NotificationInput,
  type NotificationKind,
  type NotificationSender,
} from "./outbox.js";
export {
  logNotificationSender,
  NOTIFICATION_SIGNATURE_HEADER,
  signNotificationBody,
  webhookNotificationSender,
} from "./senders.js";
