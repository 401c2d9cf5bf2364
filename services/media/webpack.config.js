// The shared service build: services/webpack.config.base.cjs.
module.exports = require('../webpack.config.base.cjs')(__dirname);
