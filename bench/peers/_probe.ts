import * as tf from '@tensorflow/tfjs';
const a = tf.variable(tf.scalar(3));
const g = tf.variableGrads(() => tf.add(tf.mul(a, a), a) as tf.Scalar);
console.log(tf.getBackend(), g.value.dataSync(), g.grads[a.name].dataSync());
