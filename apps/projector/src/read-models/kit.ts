import { DomainEvent } from '@certm3/domain';
import { readModelKit } from '@certm3/projection';

/** Definitions over the domain's events: handlers are typed by event type, models checked for coverage. */
export const { defineProjection, defineReadModel } = readModelKit<DomainEvent>();
