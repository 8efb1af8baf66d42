import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Pipeline } from './pipeline.ts';

export interface AlarmsProps {
  pipeline: Pipeline;
  /** Receives ALARM and OK transitions; without it the alarms are only visible in CloudWatch. */
  topic?: ITopic;
}

/** What an operator must hear about: lost events, failing or throttled functions, a stuck queue. */
export class Alarms extends Construct {
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, { pipeline, topic }: AlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const alarm = (alarmId: string, description: string, metric: Metric, threshold: number) =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means no traffic, which is healthy for every metric here.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    this.alarms = [
      alarm(
        'DeadLetters',
        'Herald: S3 events in the dead-letter queue: posts whose feeds were not regenerated. Fix the cause, then redrive.',
        pipeline.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
      ),
      alarm(
        'QueueStuck',
        'Herald: an S3 event has waited over 15 minutes: regenerate is not keeping up or not running.',
        pipeline.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
        15 * 60,
      ),
      alarm('RegenerateErrors', 'Herald: regenerate failed', pipeline.regenerate.metricErrors({ period, statistic: 'Sum' }), 1),
      alarm('RegenerateThrottles', 'Herald: regenerate throttled', pipeline.regenerate.metricThrottles({ period, statistic: 'Sum' }), 1),
      alarm('RebuildErrors', 'Herald: rebuild failed', pipeline.rebuild.metricErrors({ period, statistic: 'Sum' }), 1),
      alarm('RebuildThrottles', 'Herald: rebuild throttled', pipeline.rebuild.metricThrottles({ period, statistic: 'Sum' }), 1),
      // Every minute: one failure is noise the next tick repairs; five in a row keep posts from appearing.
      alarm(
        'TickErrors',
        'Herald: tick failing: scheduled posts are not appearing',
        pipeline.tick.metricErrors({ period, statistic: 'Sum' }),
        5,
      ),
      alarm(
        'RebuildTaskDeadLetters',
        'Herald: a task of a fanned-out rebuild failed three times: that rebuild cannot complete. See the rebuild-worker logs.',
        pipeline.rebuildTaskDeadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
        1,
      ),
      alarm('CheckErrors', 'Herald: the consistency check failed', pipeline.check.metricErrors({ period, statistic: 'Sum' }), 1),
    ];
    if (topic) {
      const action = new SnsAction(topic);
      for (const each of this.alarms) {
        each.addAlarmAction(action);
        each.addOkAction(action);
      }
    }
  }
}
