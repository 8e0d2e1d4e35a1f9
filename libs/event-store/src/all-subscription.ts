import { AllSubscription, GlobalPosition, RecordedEvent } from './port';

/** What an adapter's delivery loop reports while it runs. */
export interface SubscriptionProgress {
  position: GlobalPosition | undefined;
}

/**
 * Wraps an adapter's delivery loop as the port's AllSubscription: `position` reads the loop's progress, and
 * `close` signals the loop, lets the adapter interrupt a pending wait (`interrupt`), then ends iteration.
 */
export function createAllSubscription(options: {
  progress: SubscriptionProgress;
  deliver: (closing: AbortSignal) => AsyncGenerator<RecordedEvent, void, undefined>;
  interrupt?: () => Promise<void>;
  onClose: (subscription: AllSubscription) => void;
}): AllSubscription {
  const closing = new AbortController();
  const iterator = options.deliver(closing.signal);
  const subscription: AllSubscription = {
    [Symbol.asyncIterator]: () => iterator,
    get position() {
      return options.progress.position;
    },
    close: async () => {
      closing.abort();
      options.onClose(subscription);
      await options.interrupt?.();
      await iterator.return(undefined);
    },
  };
  return subscription;
}
