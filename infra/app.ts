// The CDK app (`cdk.json` runs it): one Herald stack, configured from `herald:*` context values.
import { App } from 'aws-cdk-lib';
import { settingsFromContext } from './context.ts';
import { HeraldStack } from './stack.ts';

const app = new App();
try {
  const { stackName, props } = settingsFromContext((key) => app.node.tryGetContext(key), Object.keys({ ...app.node.getAllContext() }));
  // Environment-agnostic on purpose: synth needs no credentials, and deploy targets the caller's account and region.
  new HeraldStack(app, stackName, props);
} catch (error) {
  // A configuration mistake: say what it is, without a stack trace into the CDK.
  console.error(`herald: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
app.synth();
