"""The check kinds, one module per subject: `project` (the partnership, the organisation types, the
programme area, the duration, the required texts), `call` (the call is open and funds the objective and
project type), `money` (co-financing shares, funding caps, balanced financing, fund countries, own
financing) and `state_aid` (de minimis and the aid per project). Each kind is a pure function of its
parameters (`engine.params`) and a `Context` returning an `Outcome` (`engine.context`); `engine.rules`
registers them."""
